// Local console of the Webex stand-in: act as a person, talk to the bot, see its replies and
// cards. Plain browser JavaScript, no build step, no network beyond this page's own origin.
// Developer UI for local mode only: its strings are English on purpose and not translated.
"use strict";

(() => {
  const POLL_MS = 1000;
  const ROOMS_EVERY = 5; // refresh the space list every 5th poll
  const CARD_TYPE = "application/vnd.microsoft.card.adaptive";

  const $ = (id) => document.getElementById(id);
  const state = {
    people: [],
    bots: [],
    person: null, // email
    rooms: [],
    room: null, // room record
    lastId: null,
    shown: new Map(), // message id -> article element
    replyTo: null, // message being answered in a thread
    generation: 0, // bumped on every person/room switch: late poll answers are dropped
    polls: 0,
    polling: false,
    timer: null,
  };

  // ---------------------------------------------------------------------------------------
  // Small helpers

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  async function call(method, path, body) {
    const options = { method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (!response.ok) {
      const message = (data && data.message) || `${response.status} ${response.statusText}`;
      throw new Error(message);
    }
    return data;
  }

  function setStatus(text, isError) {
    const status = $("status");
    status.textContent = text || "";
    status.classList.toggle("error", Boolean(isError));
  }

  function safeUrl(url, { images = false } = {}) {
    if (typeof url !== "string") return null;
    const trimmed = url.trim();
    if (/^(https?:|mailto:)/i.test(trimmed)) return trimmed;
    if (images && /^data:image\/(png|gif|jpe?g|webp);/i.test(trimmed)) return trimmed;
    return null;
  }

  function timeOf(iso) {
    const moment = new Date(iso);
    if (Number.isNaN(moment.getTime())) return "";
    return moment.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function humanSize(bytes) {
    if (typeof bytes !== "number") return "";
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  // The server renders message markdown to HTML from a fixed tag list; this re-checks that
  // list in the browser so that a server bug still cannot inject markup or script.
  const ALLOWED = {
    P: ["class"], BR: [], STRONG: [], EM: [], DEL: [], CODE: [], PRE: [], UL: [], OL: ["start"],
    LI: [], BLOCKQUOTE: [], HR: [], A: ["href", "rel", "target"], SPAN: ["class", "title"],
  };

  function safeFragment(html) {
    const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
    const fragment = document.createDocumentFragment();
    const copy = (source, target) => {
      for (const node of source.childNodes) {
        if (node.nodeType === Node.TEXT_NODE) {
          target.append(document.createTextNode(node.textContent));
        } else if (node.nodeType === Node.ELEMENT_NODE) {
          const allowed = ALLOWED[node.tagName];
          if (!allowed) {
            target.append(document.createTextNode(node.textContent));
            continue;
          }
          const clone = document.createElement(node.tagName.toLowerCase());
          for (const name of allowed) {
            const value = node.getAttribute(name);
            if (value === null) continue;
            if (name === "href" && !safeUrl(value)) continue;
            clone.setAttribute(name, value);
          }
          copy(node, clone);
          target.append(clone);
        }
      }
    };
    copy(parsed.body, fragment);
    return fragment;
  }

  // Card text markdown (Adaptive Cards support bold, italic, lists and links), built as DOM
  // nodes: text is never parsed as HTML.
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
        out.push(el("code", { text: token.slice(1, -1) }));
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

  function cardMarkdown(text) {
    // Lines starting with "- " or "1. " become lists; other lines keep their breaks.
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

  // ---------------------------------------------------------------------------------------
  // Adaptive Cards 1.3

  let uid = 0;
  const nextId = (prefix) => `${prefix}-${++uid}`;

  function unsupported(kind, what) {
    return el("div", { class: "ac-unsupported", role: "note", text: `[unsupported ${kind} ${what}]` });
  }

  function common(node, element) {
    node.classList.add("ac-el");
    if (element.spacing) node.classList.add(`sp-${element.spacing}`);
    if (element.separator) node.classList.add("separator");
    if (element.isVisible === false) node.hidden = true;
    if (element.id) node.dataset.acId = element.id;
    if (element.horizontalAlignment) node.classList.add(`align-${element.horizontalAlignment}`);
    return node;
  }

  function textClasses(spec, base) {
    const classes = [base];
    if (spec.size && spec.size !== "default") classes.push(`size-${spec.size}`);
    if (spec.weight && spec.weight !== "default") classes.push(`weight-${spec.weight}`);
    if (spec.color && spec.color !== "default") classes.push(`color-${spec.color}`);
    if (spec.isSubtle) classes.push("subtle");
    if (spec.fontType === "monospace") classes.push("mono");
    return classes.join(" ");
  }

  function renderTextBlock(block) {
    const node = el("div", { class: textClasses(block, "ac-text") });
    if (block.wrap || block.fontType === "monospace") node.classList.add("wrap");
    if (block.maxLines) node.style.maxHeight = `${1.4 * block.maxLines}em`;
    if (block.fontType === "monospace") node.textContent = String(block.text ?? "");
    else node.append(cardMarkdown(block.text));
    return node;
  }

  function renderRichText(block, ctx) {
    const node = el("div", { class: "ac-text wrap" });
    for (const inline of block.inlines || []) {
      const run = typeof inline === "string" ? { type: "TextRun", text: inline } : inline;
      if (run.type !== "TextRun") {
        node.append(unsupported("inline", run.type));
        continue;
      }
      const span = el("span", { class: textClasses(run, "ac-run"), text: run.text ?? "" });
      if (run.italic) span.classList.add("italic");
      if (run.strikethrough) span.classList.add("strike");
      if (run.underline) span.classList.add("underline");
      if (run.highlight) span.classList.add("highlight");
      if (run.selectAction) makeSelectable(span, run.selectAction, ctx);
      node.append(span);
    }
    return node;
  }

  function renderFactSet(set) {
    const body = el("tbody");
    for (const fact of set.facts || []) {
      body.append(
        el("tr", {}, el("th", { scope: "row" }, inlineMarkdown(fact.title ?? "")), el("td", {}, inlineMarkdown(fact.value ?? ""))),
      );
    }
    return el("table", { class: "ac-factset" }, body);
  }

  function renderImage(image, ctx) {
    const url = safeUrl(image.url, { images: true });
    if (!url) return el("span", { class: "note", text: `[image: ${image.altText || "no displayable URL"}]` });
    const node = el("img", { class: "ac-image", src: url, alt: image.altText || "", loading: "lazy" });
    if (image.size && image.size !== "auto") node.classList.add(`img-${image.size}`);
    if (image.style === "person") node.classList.add("person");
    if (/^\d+px$/.test(image.width || "")) node.style.width = image.width;
    if (/^\d+px$/.test(image.height || "")) node.style.height = image.height;
    if (image.selectAction) makeSelectable(node, image.selectAction, ctx);
    return node;
  }

  function renderColumnSet(set, ctx) {
    const row = el("div", { class: "ac-columns" });
    for (const column of set.columns || []) {
      const col = el("div", { class: "ac-column" });
      const width = column.width;
      if (width === "auto") col.style.flex = "0 0 auto";
      else if (typeof width === "number" || /^\d+(\.\d+)?$/.test(width || "")) col.style.flex = `${Number(width)} 1 0`;
      else if (/^\d+px$/.test(width || "")) col.style.flex = `0 0 ${width}`;
      else col.style.flex = "1 1 0";
      if (column.style && column.style !== "default") col.classList.add(`style-${column.style}`);
      if (column.isVisible === false) col.hidden = true;
      if (column.id) col.dataset.acId = column.id;
      renderElements(column.items || [], col, ctx);
      if (column.selectAction) makeSelectable(col, column.selectAction, ctx);
      row.append(col);
    }
    if (set.style && set.style !== "default") row.classList.add(`style-${set.style}`);
    if (set.selectAction) makeSelectable(row, set.selectAction, ctx);
    return row;
  }

  function renderContainer(container, ctx) {
    const node = el("div", { class: "ac-container" });
    if (container.style && container.style !== "default") node.classList.add(`style-${container.style}`);
    renderElements(container.items || [], node, ctx);
    if (container.selectAction) makeSelectable(node, container.selectAction, ctx);
    return node;
  }

  // -- inputs --------------------------------------------------------------------------------

  function inputShell(input, control, labelFor) {
    const wrapper = el("div", { class: "ac-input" });
    const labelText = input.label || null;
    if (labelText && labelFor) {
      wrapper.append(el("label", { for: labelFor }, labelText, input.isRequired ? el("span", { class: "required", "aria-hidden": "true", text: " *" }) : null));
    }
    wrapper.append(control);
    const error = el("p", { class: "ac-error", id: nextId("ac-error"), hidden: true });
    wrapper.append(error);
    return { wrapper, error };
  }

  function registerInput(wrapper, spec) {
    wrapper.classList.add("ac-input-host");
    wrapper.acInput = spec;
    return wrapper;
  }

  function renderTextInput(input) {
    const id = nextId("ac-in");
    const types = { Email: "email", Tel: "tel", Url: "url" };
    const control = input.isMultiline
      ? el("textarea", { id, rows: 3 })
      : el("input", { id, type: types[input.style] || "text" });
    control.placeholder = input.placeholder || "";
    control.value = input.value ?? "";
    if (input.maxLength) control.maxLength = input.maxLength;
    if (input.isRequired) control.setAttribute("aria-required", "true");
    if (!input.label) control.setAttribute("aria-label", input.placeholder || input.id || "Text input");
    const { wrapper, error } = inputShell(input, control, id);
    return registerInput(wrapper, {
      spec: input, error, focus: () => control.focus(), controls: [control],
      value: () => control.value,
    });
  }

  function renderNumberInput(input) {
    const id = nextId("ac-in");
    const control = el("input", { id, type: "number", step: "any" });
    control.placeholder = input.placeholder || "";
    if (input.value !== undefined) control.value = input.value;
    if (input.min !== undefined) control.min = input.min;
    if (input.max !== undefined) control.max = input.max;
    if (input.isRequired) control.setAttribute("aria-required", "true");
    if (!input.label) control.setAttribute("aria-label", input.placeholder || input.id || "Number");
    const { wrapper, error } = inputShell(input, control, id);
    return registerInput(wrapper, {
      spec: input, error, focus: () => control.focus(), controls: [control],
      value: () => control.value,
    });
  }

  function renderDateInput(input, type) {
    const id = nextId("ac-in");
    const control = el("input", { id, type });
    if (input.value) control.value = input.value;
    if (input.min) control.min = input.min;
    if (input.max) control.max = input.max;
    if (input.isRequired) control.setAttribute("aria-required", "true");
    if (!input.label) control.setAttribute("aria-label", input.placeholder || input.id || type);
    const { wrapper, error } = inputShell(input, control, id);
    return registerInput(wrapper, {
      spec: input, error, focus: () => control.focus(), controls: [control],
      value: () => control.value,
    });
  }

  function renderToggle(input) {
    const id = nextId("ac-in");
    const on = input.valueOn ?? "true";
    const off = input.valueOff ?? "false";
    const box = el("input", { id, type: "checkbox" });
    box.checked = String(input.value ?? off) === String(on);
    const control = el("label", { class: "ac-choice", for: id }, box, " ", input.title || input.label || input.id);
    const { wrapper, error } = inputShell(input, control, input.title ? id : null);
    if (input.title && input.label) wrapper.prepend(el("div", { class: "ac-label", text: input.label }));
    return registerInput(wrapper, {
      spec: input, error, focus: () => box.focus(), controls: [box],
      value: () => (box.checked ? on : off),
    });
  }

  function renderChoiceSet(input) {
    const choices = input.choices || [];
    const initial = String(input.value ?? "").split(",").filter(Boolean);
    const expanded = input.style === "expanded";
    if (input.isMultiSelect || expanded) {
      const name = nextId("ac-choice");
      const boxes = choices.map((choice) => {
        const id = nextId("ac-in");
        const box = el("input", { id, type: input.isMultiSelect ? "checkbox" : "radio", name, value: choice.value ?? "" });
        box.checked = initial.includes(String(choice.value));
        return { box, label: el("label", { class: "ac-choice", for: id }, box, " ", choice.title ?? choice.value ?? "") };
      });
      const set = el("fieldset", {}, el("legend", {}, input.label || input.placeholder || input.id || "Choose", input.isRequired ? el("span", { class: "required", "aria-hidden": "true", text: " *" }) : null), boxes.map((b) => b.label));
      if (input.isRequired) set.setAttribute("aria-required", "true");
      const { wrapper, error } = inputShell({ ...input, label: null }, set, null);
      return registerInput(wrapper, {
        spec: input, error, controls: [set],
        focus: () => boxes[0] && boxes[0].box.focus(),
        value: () => boxes.filter((b) => b.box.checked).map((b) => b.box.value).join(","),
      });
    }
    const id = nextId("ac-in");
    const select = el("select", { id });
    select.append(el("option", { value: "", text: input.placeholder || "Choose…" }));
    for (const choice of choices) {
      const option = el("option", { value: choice.value ?? "", text: choice.title ?? choice.value ?? "" });
      option.selected = initial.includes(String(choice.value));
      select.append(option);
    }
    if (input.isRequired) select.setAttribute("aria-required", "true");
    if (!input.label) select.setAttribute("aria-label", input.placeholder || input.id || "Choice");
    const { wrapper, error } = inputShell(input, select, id);
    return registerInput(wrapper, {
      spec: input, error, focus: () => select.focus(), controls: [select],
      value: () => select.value,
    });
  }

  // Mirrors the Adaptive Cards JS renderer: an empty optional value is valid; a regex is
  // tested against the value (not anchored), so cards should anchor their own patterns.
  function validationError(host) {
    const { spec } = host.acInput;
    const value = host.acInput.value();
    const name = spec.label || spec.placeholder || spec.id || "This field";
    if (value === "" || value === null || value === undefined) {
      return spec.isRequired ? spec.errorMessage || `${name} is required.` : null;
    }
    if (spec.type === "Input.Text" && spec.regex) {
      let pattern = null;
      try {
        pattern = new RegExp(spec.regex);
      } catch (_) {
        pattern = null; // an invalid pattern can't be checked here; the bot validates anyway
      }
      if (pattern && !pattern.test(value)) return spec.errorMessage || `${name} has an invalid format.`;
    }
    if (spec.type === "Input.Number") {
      const number = Number(value);
      const tooLow = spec.min !== undefined && number < spec.min;
      const tooHigh = spec.max !== undefined && number > spec.max;
      if (Number.isNaN(number) || tooLow || tooHigh) return spec.errorMessage || `${name} is out of range.`;
    }
    return null;
  }

  function showError(host, message) {
    const { error, controls } = host.acInput;
    error.textContent = message || "";
    error.hidden = !message;
    for (const control of controls) {
      if (message) {
        control.setAttribute("aria-invalid", "true");
        control.setAttribute("aria-describedby", error.id);
      } else {
        control.removeAttribute("aria-invalid");
        control.removeAttribute("aria-describedby");
      }
    }
  }

  // -- actions -------------------------------------------------------------------------------

  function actionButton(action, ctx, showCardHost) {
    const label = action.title || action.type.replace("Action.", "");
    const classes = ["ac-action"];
    if (action.style === "positive" || action.style === "destructive") classes.push(action.style);
    if (action.type === "Action.OpenUrl") {
      const url = safeUrl(action.url);
      if (!url) return el("span", { class: "ac-unsupported", text: `[link with an unsafe URL: ${label}]` });
      return el("a", { class: classes.join(" "), href: url, target: "_blank", rel: "noopener noreferrer", text: label });
    }
    if (!["Action.Submit", "Action.ShowCard", "Action.ToggleVisibility"].includes(action.type)) {
      return unsupported("action", action.type);
    }
    const button = el("button", { type: "button", class: classes.join(" "), text: label });
    if (action.tooltip) button.title = action.tooltip;
    if (action.type === "Action.ShowCard") {
      const sub = renderCardBody(action.card || { body: [] }, ctx, true);
      sub.hidden = true;
      sub.id = nextId("ac-showcard");
      showCardHost.append(sub);
      button.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-controls", sub.id);
      button.addEventListener("click", () => {
        const opening = sub.hidden;
        for (const other of showCardHost.children) other.hidden = true;
        for (const peer of button.parentElement.querySelectorAll("[aria-expanded]")) peer.setAttribute("aria-expanded", "false");
        sub.hidden = !opening;
        button.setAttribute("aria-expanded", String(opening));
      });
      return button;
    }
    button.addEventListener("click", () => runAction(action, ctx, button));
    return button;
  }

  function renderActions(actions, ctx, parent) {
    const bar = el("div", { class: "ac-actions", role: "group", "aria-label": "Card actions" });
    const showCards = el("div", { class: "ac-showcards" });
    for (const action of actions) bar.append(actionButton(action, ctx, showCards));
    parent.append(bar, showCards);
  }

  function makeSelectable(node, action, ctx) {
    if (action.type === "Action.OpenUrl") {
      const url = safeUrl(action.url);
      if (!url) return;
      node.classList.add("selectable");
      node.addEventListener("click", () => window.open(url, "_blank", "noopener"));
      return;
    }
    if (!["Action.Submit", "Action.ToggleVisibility"].includes(action.type)) return;
    node.classList.add("selectable");
    node.setAttribute("role", "button");
    node.tabIndex = 0;
    if (action.title) node.setAttribute("aria-label", action.title);
    const run = () => runAction(action, ctx, null, node);
    node.addEventListener("click", run);
    node.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        run();
      }
    });
  }

  function runAction(action, ctx, button, origin) {
    const source = button || origin;
    if (action.type === "Action.ToggleVisibility") {
      for (const target of action.targetElements || []) {
        const id = typeof target === "string" ? target : target.elementId;
        for (const node of ctx.root.querySelectorAll("[data-ac-id]")) {
          if (node.dataset.acId !== id) continue;
          node.hidden = typeof target === "string" || target.isVisible === undefined ? !node.hidden : !target.isVisible;
        }
      }
      return;
    }
    if (action.type === "Action.Submit") submit(action, ctx, source);
  }

  function feedback(source, text, isError) {
    const card = source.closest(".ac-card");
    let note = card.querySelector(":scope > .ac-feedback");
    if (!note) {
      note = el("p", { class: "ac-feedback", role: "status" });
      card.append(note);
    }
    note.textContent = text;
    note.classList.toggle("error", Boolean(isError));
  }

  async function submit(action, ctx, source) {
    const card = source.closest(".ac-card");
    const values = {};
    if (action.associatedInputs !== "none") {
      // Inputs of this card and of the cards it is shown inside; not of sibling show-cards.
      const hosts = [...ctx.root.querySelectorAll(".ac-input-host")].filter((host) => host.closest(".ac-card").contains(card));
      let firstBad = null;
      for (const host of hosts) {
        const problem = validationError(host);
        showError(host, problem);
        if (problem && !firstBad) firstBad = host;
        if (host.acInput.spec.id) values[host.acInput.spec.id] = host.acInput.value();
      }
      if (firstBad) {
        firstBad.acInput.focus();
        feedback(source, "Please fix the highlighted fields.", true);
        return;
      }
    }
    const data = action.data && typeof action.data === "object" && !Array.isArray(action.data) ? action.data : {};
    // As in the Adaptive Cards renderer, the action's data is the base and inputs overwrite it.
    const inputs = { ...data, ...values };
    if (source instanceof HTMLButtonElement) source.disabled = true;
    feedback(source, "Sending…");
    try {
      await call("POST", "api/actions", { as: state.person, messageId: ctx.messageId, inputs });
      const who = state.people.find((p) => p.email === state.person);
      feedback(source, `Submitted as ${who ? who.displayName : state.person}.`);
      schedulePoll(150);
    } catch (error) {
      feedback(source, `Could not submit: ${error.message}`, true);
    } finally {
      if (source instanceof HTMLButtonElement) source.disabled = false;
    }
  }

  // -- elements ------------------------------------------------------------------------------

  const RENDERERS = {
    TextBlock: (e) => renderTextBlock(e),
    RichTextBlock: (e, ctx) => renderRichText(e, ctx),
    FactSet: (e) => renderFactSet(e),
    Image: (e, ctx) => renderImage(e, ctx),
    ImageSet: (e, ctx) => el("div", { class: "ac-imageset" }, (e.images || []).map((i) => renderImage({ size: e.imageSize, ...i }, ctx))),
    ColumnSet: (e, ctx) => renderColumnSet(e, ctx),
    Container: (e, ctx) => renderContainer(e, ctx),
    ActionSet: (e, ctx) => {
      const holder = el("div", { class: "ac-actionset" });
      renderActions(e.actions || [], ctx, holder);
      return holder;
    },
    Media: (e) => el("div", { class: "note" }, "Media: ", (e.sources || []).map((s) => {
      const url = safeUrl(s.url);
      return url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: s.url }) : null;
    })),
    "Input.Text": (e) => renderTextInput(e),
    "Input.Number": (e) => renderNumberInput(e),
    "Input.Date": (e) => renderDateInput(e, "date"),
    "Input.Time": (e) => renderDateInput(e, "time"),
    "Input.Toggle": (e) => renderToggle(e),
    "Input.ChoiceSet": (e) => renderChoiceSet(e),
  };

  function renderElement(element, ctx) {
    if (!element || typeof element !== "object") return unsupported("element", typeof element);
    const render = RENDERERS[element.type];
    if (!render) {
      if (element.fallback === "drop") return null;
      if (element.fallback && typeof element.fallback === "object") return renderElement(element.fallback, ctx);
      return common(unsupported("element", element.type || "(no type)"), element);
    }
    try {
      return common(render(element, ctx), element);
    } catch (error) {
      console.error("card element failed", element, error);
      return unsupported("element", `${element.type} (${error.message})`);
    }
  }

  function renderElements(elements, parent, ctx) {
    for (const element of elements) {
      const node = renderElement(element, ctx);
      if (node) parent.append(node);
    }
  }

  function renderCardBody(card, ctx, nested) {
    const node = el("div", { class: "ac-card" });
    if (!nested && card.version && Number.parseFloat(card.version) > 1.3) {
      node.append(el("p", { class: "ac-unsupported", text: `[card version ${card.version}: Webex renders 1.3]` }));
    }
    renderElements(Array.isArray(card.body) ? card.body : [], node, ctx);
    if (Array.isArray(card.actions) && card.actions.length) renderActions(card.actions, ctx, node);
    return node;
  }

  function renderCard(card, messageId) {
    const root = el("section", { class: "ac-root", "aria-label": "Card" });
    const ctx = { root, messageId };
    if (!card || typeof card !== "object" || card.type !== "AdaptiveCard") {
      root.append(el("div", { class: "ac-card" }, unsupported("card", String(card && card.type))));
    } else {
      root.append(renderCardBody(card, ctx, false));
    }
    root.append(
      el("details", { class: "card-json" }, el("summary", { text: "Card JSON" }), el("pre", { text: JSON.stringify(card, null, 2) })),
    );
    return root;
  }

  // ---------------------------------------------------------------------------------------
  // Conversation

  function renderMessage(message) {
    const person = message.person || {};
    const classes = ["msg"];
    if (person.isBot) classes.push("from-bot");
    if (message.personEmail === state.person) classes.push("mine");
    const article = el("article", {
      class: classes.join(" "),
      "data-message-id": message.id,
      "aria-label": `${person.displayName || message.personEmail} at ${timeOf(message.created)}`,
    });
    article.append(
      el("div", { class: "msg-head" },
        el("span", { class: "author", text: person.displayName || message.personEmail }),
        person.isBot ? el("span", { class: "badge", text: "BOT" }) : null,
        el("time", { datetime: message.created, text: timeOf(message.created) })),
    );
    // Webex clients show a message's card instead of its text: the text is the fallback for
    // clients without cards, so it stays one click away rather than doubling every answer.
    const hasCard = (message.attachments || []).some((a) => a.contentType === CARD_TYPE);
    let fallback = null;
    if (message.rendered) {
      const body = el("div", { class: "msg-body" });
      body.append(safeFragment(message.rendered));
      if (hasCard) fallback = el("details", { class: "fallback" }, el("summary", { text: "Text fallback (clients without cards)" }), body);
      else article.append(body);
    }
    if (message.files && message.files.length) {
      const list = el("ul", { class: "files", "aria-label": "Files" });
      for (const file of message.files) {
        const href = `api/files/${encodeURIComponent(file.contentId)}?as=${encodeURIComponent(state.person)}`;
        list.append(el("li", {},
          el("a", { href, download: file.name, title: `Webex file URL: ${file.url}` }, "⬇ ", file.name),
          file.size !== undefined ? el("span", { class: "size", text: humanSize(file.size) }) : null));
      }
      article.append(list);
    }
    for (const attachment of message.attachments || []) {
      if (attachment.contentType === CARD_TYPE) article.append(renderCard(attachment.content, message.id));
      else article.append(unsupported("attachment", attachment.contentType));
    }
    if (fallback) article.append(fallback);
    if (!message.parentId) {
      article.append(
        el("div", { class: "msg-foot" },
          el("button", { type: "button", class: "link-button", onclick: () => startReply(message), text: "Reply in thread" })),
        el("div", { class: "thread", "aria-label": "Thread replies" }),
      );
    }
    return article;
  }

  function addMessage(message) {
    const log = $("log");
    const empty = log.querySelector(".empty");
    if (empty) empty.remove();
    const article = renderMessage(message);
    const parent = message.parentId ? state.shown.get(message.parentId) : null;
    if (parent) parent.querySelector(":scope > .thread").append(article);
    else log.append(article);
    state.shown.set(message.id, article);
  }

  // An empty space says so and what to type, so a new user never waits on a blank log.
  function emptySpaceNote() {
    if (state.room && !state.room.hasBot) {
      return el("p", { class: "empty", text: "No messages yet. The bot is not in this space." });
    }
    const tryHelp = () => {
      $("text").value = "help";
      $("text").focus();
    };
    return el("p", { class: "empty" },
      "No messages yet — type ", el("code", { text: "help" }), " to see what the bot can do. ",
      el("button", { type: "button", class: "link-button", onclick: tryHelp, text: "Type it for me" }));
  }

  function startReply(message) {
    state.replyTo = message;
    $("replying").hidden = false;
    const preview = (message.text || message.markdown || "card").replace(/\s+/g, " ");
    $("replying-to").textContent = preview.length > 60 ? `${preview.slice(0, 60)}…` : preview;
    $("text").focus();
  }

  function cancelReply() {
    state.replyTo = null;
    $("replying").hidden = true;
  }

  async function poll() {
    if (!state.room || state.polling) return;
    state.polling = true;
    const generation = state.generation;
    try {
      const query = new URLSearchParams({ as: state.person });
      if (state.lastId) query.set("after", state.lastId);
      const data = await call("GET", `api/rooms/${encodeURIComponent(state.room.id)}/messages?${query}`);
      if (generation !== state.generation) return;
      const log = $("log");
      const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
      const fresh = data.items.filter((m) => !state.shown.has(m.id));
      for (const message of fresh) addMessage(message);
      const alive = new Set(data.ids);
      for (const [id, article] of state.shown) {
        if (!alive.has(id)) {
          article.remove(); // deleted (the bot replaces a card by deleting and reposting it)
          state.shown.delete(id);
        }
      }
      state.lastId = data.ids.length ? data.ids[data.ids.length - 1] : null;
      const loading = log.querySelector(".loading");
      if (loading) loading.remove(); // answered: whatever the space holds is now shown
      if (!state.shown.size && !log.querySelector(".empty")) log.append(emptySpaceNote());
      if (fresh.length && nearBottom) log.scrollTop = log.scrollHeight;
      if ($("status").classList.contains("error") && $("status").dataset.kind === "poll") setStatus("");
    } catch (error) {
      setStatus(`Cannot reach the console API (${error.message}). Is the stand-in still running?`, true);
      $("status").dataset.kind = "poll";
    } finally {
      state.polling = false;
    }
    state.polls += 1;
    if (state.polls % ROOMS_EVERY === 0) loadRooms(false).catch(() => {});
  }

  function schedulePoll(delay) {
    clearTimeout(state.timer);
    state.timer = setTimeout(async () => {
      await poll();
      schedulePoll(POLL_MS);
    }, delay);
  }

  // ---------------------------------------------------------------------------------------
  // People and spaces

  function remember(key, value) {
    try {
      localStorage.setItem(`onboard-console.${key}`, value);
    } catch (_) {
      // storage may be disabled; the choice simply isn't remembered
    }
  }

  function recall(key) {
    try {
      return localStorage.getItem(`onboard-console.${key}`);
    } catch (_) {
      return null;
    }
  }

  async function loadPeople() {
    const data = await call("GET", "api/people");
    state.people = data.items;
    state.bots = data.bots;
    const select = $("person");
    select.replaceChildren(...state.people.map((p) => el("option", { value: p.email, text: p.displayName })));
    const wanted = new URLSearchParams(location.search).get("as") || recall("person");
    const chosen = state.people.find((p) => p.email === wanted) || state.people[0];
    if (chosen) select.value = chosen.email;
    await choosePerson(select.value);
  }

  async function choosePerson(email) {
    state.person = email || null;
    remember("person", email || "");
    const who = state.people.find((p) => p.email === email);
    $("person-email").textContent = who ? who.email : "No people in the emulator yet.";
    await loadRooms(true);
  }

  function roomLabel(room) {
    if (room.type === "direct") return { title: room.title, kind: "direct space" };
    const noBot = room.hasBot ? "" : " · no bot";
    return { title: room.title, kind: `group space · ${room.members.length} members${noBot}` };
  }

  async function loadRooms(pick) {
    if (!state.person) return;
    const data = await call("GET", `api/rooms?as=${encodeURIComponent(state.person)}`);
    state.rooms = data.items;
    const list = $("rooms");
    list.replaceChildren(
      ...state.rooms.map((room) => {
        const { title, kind } = roomLabel(room);
        return el("li", {},
          el("button", {
            type: "button",
            "data-room-id": room.id,
            "aria-current": state.room && state.room.id === room.id ? "true" : "false",
            onclick: () => chooseRoom(room.id),
          }, el("span", { class: "title", text: title }), el("span", { class: "kind", text: kind })));
      }),
    );
    if (pick) {
      const wanted = new URLSearchParams(location.search).get("room") || recall(`room.${state.person}`);
      const chosen = state.rooms.find((r) => r.id === wanted) || state.rooms[0] || null;
      chooseRoom(chosen ? chosen.id : null);
    }
  }

  function chooseRoom(roomId) {
    state.generation += 1;
    state.room = state.rooms.find((r) => r.id === roomId) || null;
    state.lastId = null;
    state.shown.clear();
    cancelReply();
    const log = $("log");
    log.replaceChildren();
    for (const button of $("rooms").querySelectorAll("button")) {
      button.setAttribute("aria-current", String(button.dataset.roomId === roomId));
    }
    const ready = Boolean(state.room);
    $("text").disabled = !ready;
    $("send").disabled = !ready;
    if (!ready) {
      $("room-title").textContent = "Pick a space";
      $("room-sub").textContent = "";
      log.append(el("p", { class: "empty", text: "This person is in no space yet." }));
      return;
    }
    remember(`room.${state.person}`, roomId);
    const { title, kind } = roomLabel(state.room);
    $("room-title").textContent = title;
    const names = state.room.members.map((m) => m.displayName).join(", ");
    $("room-sub").textContent = `${kind}: ${names}`;
    $("mention-option").hidden = state.room.type !== "group";
    log.append(el("p", { class: "empty loading", text: "Loading…" }));
    schedulePoll(0);
  }

  async function send(event) {
    event.preventDefault();
    const box = $("text");
    const text = box.value.trim();
    if (!text || !state.room) return;
    $("send").disabled = true;
    try {
      await call("POST", `api/rooms/${encodeURIComponent(state.room.id)}/messages`, {
        as: state.person,
        text,
        mentionBot: $("mention").checked,
        parentId: state.replyTo ? state.replyTo.id : null,
      });
      box.value = "";
      cancelReply();
      setStatus("");
      schedulePoll(0);
    } catch (error) {
      setStatus(`Not sent: ${error.message}`, true);
      $("status").dataset.kind = "send";
    } finally {
      $("send").disabled = false;
      box.focus();
    }
  }

  function init() {
    const apiUrl = new URL("../v1/", location.href).href;
    $("api-url").textContent = apiUrl;
    $("person").addEventListener("change", (event) => choosePerson(event.target.value));
    $("composer").addEventListener("submit", send);
    $("cancel-reply").addEventListener("click", cancelReply);
    $("text").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        $("composer").requestSubmit();
      }
    });
    loadPeople().catch((error) => setStatus(`Cannot load people: ${error.message}`, true));
  }

  init();
})();
