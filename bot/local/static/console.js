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

  function safeUrl(url) {
    if (typeof url !== "string") return null;
    const trimmed = url.trim();
    return /^(https?:|mailto:)/i.test(trimmed) ? trimmed : null;
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

  // ---------------------------------------------------------------------------------------
  // Cards: drawn by Microsoft's official renderer through cards_host.js (Webex's host config,
  // the card markdown), so the console shows what a Webex client shows. A submit goes to the
  // stand-in as the person picked, as a client's click does.

  function feedback(root, text, isError) {
    let note = root.querySelector(":scope > .ac-feedback");
    if (!note) {
      note = el("p", { class: "ac-feedback", role: "status" });
      root.querySelector(":scope > .card-json").before(note);
    }
    note.textContent = text;
    note.classList.toggle("error", Boolean(isError));
  }

  async function submit(inputs, root, messageId) {
    feedback(root, "Sending…");
    try {
      await call("POST", "api/actions", { as: state.person, messageId, inputs });
      const who = state.people.find((p) => p.email === state.person);
      feedback(root, `Submitted as ${who ? who.displayName : state.person}.`);
      schedulePoll(150);
    } catch (error) {
      feedback(root, `Could not submit: ${error.message}`, true);
    }
  }

  function renderCard(card, messageId) {
    const root = el("section", { class: "ac-root", "aria-label": "Card" });
    const { element, problems } = window.OnboardCards.render(card, {
      // The action's data is the base and the inputs overwrite it (the renderer merged them).
      onSubmit: (data) => submit({ ...data }, root, messageId),
      onOpenUrl: (url) => window.open(url, "_blank", "noopener"),
    });
    root.append(element);
    if (problems.length) {
      // What the renderer refused or flagged is shown, as a card designer would show it.
      root.append(
        el("ul", { class: "ac-problems", role: "note", "aria-label": "Renderer problems" },
          problems.map((problem) => el("li", { text: problem }))),
      );
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
      else article.append(el("div", { class: "ac-unsupported", role: "note", text: `[unsupported attachment ${attachment.contentType}]` }));
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
    $("attach").disabled = !ready;
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

  function base64Of(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
      reader.onerror = () => reject(new Error("the file could not be read"));
      reader.readAsDataURL(file);
    });
  }

  async function send(event) {
    event.preventDefault();
    const box = $("text");
    const text = box.value.trim();
    const picked = $("attach").files[0] || null;
    if ((!text && !picked) || !state.room) return;
    $("send").disabled = true;
    try {
      // The console API takes JSON only (no cross-site form posts), so the file goes base64.
      const file = picked ? { name: picked.name, type: picked.type, data: await base64Of(picked) } : null;
      await call("POST", `api/rooms/${encodeURIComponent(state.room.id)}/messages`, {
        as: state.person,
        text,
        mentionBot: $("mention").checked,
        parentId: state.replyTo ? state.replyTo.id : null,
        file,
      });
      box.value = "";
      $("attach").value = "";
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
