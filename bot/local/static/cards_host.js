// The console's Adaptive Cards host: Microsoft's official renderer (adaptivecards.min.js, see
// adaptivecards.LICENSE.txt) set up as close to Webex as Webex documents it: cards of version
// 1.3, at most five buttons, interactivity on, its fonts and spacing. The console page and the
// card render test (tests/e2e/test_card_render.py) both draw cards through this one file.
// Developer UI for local mode only: its strings are English on purpose and not translated.
"use strict";

(() => {
  const AC = window.AdaptiveCards;

  // Webex clients use Cisco's own fonts; these stand in where they are not installed.
  const SANS = '"CiscoSansTT Regular", "Helvetica Neue", Helvetica, Arial, "DejaVu Sans", sans-serif';
  const MONO = '"Cisco Sans Mono", Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace';
  const SIZES = { small: 12, default: 14, medium: 16, large: 20, extraLarge: 24 };
  const WEIGHTS = { lighter: 300, default: 400, bolder: 600 };
  const COLORS = {
    default: { default: "#121212", subtle: "#636363" },
    dark: { default: "#121212", subtle: "#545454" },
    light: { default: "#7a7a7a", subtle: "#9e9e9e" },
    accent: { default: "#0a6ed1", subtle: "#3d8fe0" },
    good: { default: "#1d805f", subtle: "#2f9e77" },
    warning: { default: "#a35c00", subtle: "#c27400" },
    attention: { default: "#cf2030", subtle: "#e04a57" },
  };
  const style = (backgroundColor) => ({ backgroundColor, foregroundColors: COLORS });

  /** The host config: five actions in a row, inline show-cards, Webex-like type and spacing. */
  const HOST_CONFIG = {
    supportsInteractivity: true,
    fontFamily: SANS,
    fontTypes: {
      default: { fontFamily: SANS, fontSizes: SIZES, fontWeights: WEIGHTS },
      monospace: { fontFamily: MONO, fontSizes: SIZES, fontWeights: WEIGHTS },
    },
    spacing: { small: 4, default: 8, medium: 16, large: 24, extraLarge: 32, padding: 12 },
    separator: { lineThickness: 1, lineColor: "#dedede" },
    containerStyles: {
      default: style("#ffffff"),
      emphasis: style("#f7f7f7"),
      accent: style("#e8f2fc"),
      good: style("#e6f5ef"),
      attention: style("#fdecee"),
      warning: style("#fff4e0"),
    },
    imageSizes: { small: 40, medium: 80, large: 160 },
    actions: {
      maxActions: 5, // Webex: "Cards may include up to five buttons (actions)."
      spacing: "default",
      buttonSpacing: 8,
      showCard: { actionMode: "inline", inlineTopMargin: 12, style: "emphasis" },
      actionsOrientation: "horizontal",
      actionAlignment: "left",
    },
    inputs: {
      label: {
        requiredInputs: { weight: "bolder", suffix: " *", suffixColor: "attention" },
        optionalInputs: { weight: "bolder" },
      },
      errorMessage: { size: "small", color: "attention" },
    },
    factSet: {
      title: { weight: "bolder", wrap: true, maxWidth: 150 },
      value: { wrap: true },
      spacing: 8,
    },
  };

  // -- markdown ---------------------------------------------------------------------------------
  // Card text markdown (Adaptive Cards support bold, italic, lists and links), built as DOM
  // nodes: text is never parsed as HTML; the renderer gets the HTML of those nodes.

  function safeUrl(url) {
    if (typeof url !== "string") return null;
    const trimmed = url.trim();
    return /^(https?:|mailto:)/i.test(trimmed) ? trimmed : null;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    for (const child of children.flat()) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const INLINE = /(\*\*(?=\S)[\s\S]+?\*\*|__(?=\S)[\s\S]+?__|`[^`]+`|\[[^\]]+\]\([^)\s]+\)|\*(?=[^\s*])[^*]+\*|(?<![\w])_(?=[^\s_])[^_]+_(?![\w]))/;

  function inlineMarkdown(text) {
    const out = [];
    let rest = String(text);
    while (rest) {
      const match = INLINE.exec(rest);
      if (!match) {
        out.push(document.createTextNode(rest));
        break;
      }
      if (match.index) out.push(document.createTextNode(rest.slice(0, match.index)));
      const token = match[0];
      if (token.startsWith("**") || token.startsWith("__")) {
        out.push(el("strong", {}, inlineMarkdown(token.slice(2, -2))));
      } else if (token.startsWith("`")) {
        out.push(el("code", {}, token.slice(1, -1)));
      } else if (token.startsWith("[")) {
        const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(token);
        const url = safeUrl(link[2]);
        out.push(
          url
            ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, inlineMarkdown(link[1]))
            : document.createTextNode(token),
        );
      } else {
        out.push(el("em", {}, inlineMarkdown(token.slice(1, -1))));
      }
      rest = rest.slice(match.index + token.length);
    }
    return out;
  }

  /** Card markdown as a DOM fragment: "- " and "1. " lines become lists, other lines keep breaks. */
  function cardMarkdown(text) {
    const container = document.createDocumentFragment();
    let list = null;
    let kind = null;
    let first = true;
    for (const line of String(text ?? "").split(/\r?\n/)) {
      const bullet = /^\s*[-*]\s+(.*)$/.exec(line);
      const numbered = /^\s*(\d+)\.\s+(.*)$/.exec(line);
      const want = bullet ? "ul" : numbered ? "ol" : null;
      if (want) {
        if (!list || kind !== want) {
          list = el(want, numbered && numbered[1] !== "1" ? { start: numbered[1] } : {});
          kind = want;
          container.append(list);
        }
        list.append(el("li", {}, inlineMarkdown(bullet ? bullet[1] : numbered[2])));
        first = false;
        continue;
      }
      list = null;
      if (!first && !(container.lastChild && /^(UL|OL)$/.test(container.lastChild.nodeName))) {
        container.append(el("br"));
      }
      container.append(...inlineMarkdown(line));
      first = false;
    }
    return container;
  }

  AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
    const holder = document.createElement("div");
    holder.append(cardMarkdown(text));
    result.outputHtml = holder.innerHTML;
    result.didProcess = true;
  };

  // -- rendering --------------------------------------------------------------------------------

  // Parsed for version 1.3: elements and actions newer than Webex's Adaptive Cards are unknown
  // here (a parse event), as they are in Webex.
  const V13 = AC.Versions.v1_3;
  const hostConfig = new AC.HostConfig(HOST_CONFIG);

  function describe(event) {
    const kind = AC.ValidationEvent ? AC.ValidationEvent[event.event] : event.event;
    return `${kind || "problem"}: ${event.message}`;
  }

  // The renderer marks a failed input with a class; screen readers (and tests) read aria-invalid.
  function mirrorValidity(root) {
    const sync = (node) => {
      if (node.classList.contains("ac-input-validation-failed")) node.setAttribute("aria-invalid", "true");
      else node.removeAttribute("aria-invalid");
    };
    new MutationObserver((changes) => {
      for (const change of changes) {
        if (change.target instanceof Element && change.target.matches("input, select, textarea, .ac-input")) {
          sync(change.target);
        }
      }
    }).observe(root, { attributes: true, attributeFilter: ["class"], subtree: true });
  }

  /**
   * Render ``json`` with the official renderer. Returns ``{element, problems}``: the card's DOM
   * and every parse or validation event (as "Kind: message" strings). ``onSubmit(data, action)``
   * gets an Action.Submit's data merged with its inputs, after the renderer validated them.
   */
  function render(json, { onSubmit, onOpenUrl } = {}) {
    const card = new AC.AdaptiveCard();
    card.hostConfig = hostConfig;
    const context = new AC.SerializationContext(V13);
    const problems = [];
    card.onExecuteAction = (action) => {
      if (action instanceof AC.SubmitAction) {
        if (onSubmit) onSubmit(action.data || {}, action);
      } else if (action instanceof AC.OpenUrlAction) {
        const url = safeUrl(action.url);
        if (url && onOpenUrl) onOpenUrl(url);
        else if (url) window.open(url, "_blank", "noopener");
      }
    };
    try {
      card.parse(json, context);
    } catch (error) {
      problems.push(`parse failed: ${error.message}`);
    }
    for (let i = 0; i < context.eventCount; i++) problems.push(describe(context.getEventAt(i)));
    const results = card.validateProperties();
    for (const event of results.validationEvents) problems.push(describe(event));
    const element = card.render() || document.createElement("div");
    mirrorValidity(element);
    return { element, problems, card };
  }

  window.OnboardCards = { HOST_CONFIG, hostConfig, render, cardMarkdown, safeUrl };
})();
