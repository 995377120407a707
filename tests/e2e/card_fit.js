// Renders one card into #host with the console's card host (cards_host.js) at the page's width
// and returns what does not fit: renderer events, text past the card's edge, cut-off text and
// button titles. Show-cards are opened one at a time (the renderer lays out only what is shown)
// and checked as well. Used by test_card_render.py through page.evaluate.
([json, name]) => {
  const host = document.getElementById("host");
  host.replaceChildren();
  const { element, problems } = OnboardCards.render(json, {});
  host.append(element);
  const out = problems.map((p) => `${name}: renderer: ${p}`);
  const shown = (node) => node.getClientRects().length > 0;
  const what = (node) => `${node.className || node.tagName} "${(node.textContent || "").slice(0, 50)}"`;
  const check = (when) => {
    const edge = element.getBoundingClientRect();
    for (const node of element.querySelectorAll(".ac-textBlock, .ac-richTextBlock, .ac-textRun, .ac-factset, .ac-pushButton, input, select, textarea, .ac-container, .ac-columnSet")) {
      if (!shown(node)) continue;
      for (const box of node.getClientRects()) {
        if (box.right > edge.right + 0.5 || box.left < edge.left - 0.5) {
          out.push(`${when}: past the card's edge by ${Math.round(box.right - edge.right)} px: ${what(node)}`);
          break;
        }
      }
      if (node.matches(".ac-textBlock, .ac-richTextBlock") && node.scrollWidth > node.clientWidth + 1) {
        out.push(`${when}: text cut off (${node.scrollWidth} > ${node.clientWidth} px): ${what(node)}`);
      }
    }
    for (const button of element.querySelectorAll(".ac-pushButton")) {
      if (!shown(button)) continue;
      const title = button.firstElementChild || button;
      if (title.scrollWidth > title.clientWidth + 0.5 || button.scrollWidth > button.clientWidth + 0.5) {
        out.push(`${when}: button title cut off (${title.scrollWidth} > ${title.clientWidth} px): ${what(button)}`);
      }
    }
  };
  check(name);
  for (const toggle of [...element.querySelectorAll(".ac-pushButton[aria-expanded]")]) {
    if (!shown(toggle)) continue;
    toggle.click();
    check(`${name}, "${toggle.textContent}" open`);
    toggle.click();
  }
  return out;
}
