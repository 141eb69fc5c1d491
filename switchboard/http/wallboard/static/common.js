// Shared by the wallboard and the agent view: the token, the API, the live stream (SSE read
// with fetch, so the token goes in a header, never in a URL), and formatting.
"use strict";

const TOKEN_KEY = "switchboard-token";

function takeToken() {
  // #token=... in the address: keep it in the browser, take it out of the address bar
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    localStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return localStorage.getItem(TOKEN_KEY) || "";
}

function headers() {
  const token = localStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: "Bearer " + token } : {};
}

async function api(method, path, body) {
  const init = { method, headers: headers() };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error((data && data.message) || response.statusText);
    error.status = response.status;
    throw error;
  }
  return data;
}

// Calls on(event, data) for each message; reconnects (a new snapshot) until stop() is called.
function stream(on, status) {
  let stopped = false;
  let controller = null;
  let delay = 500;
  async function once() {
    controller = new AbortController();
    const response = await fetch("/api/stream", { headers: headers(), signal: controller.signal });
    if (response.status === 401 || response.status === 403) {
      status("unauthorized");
      stopped = true;
      return;
    }
    if (!response.ok || !response.body) throw new Error("stream " + response.status);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message";
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) event = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        if (data) {
          if (event === "snapshot") { status("live"); delay = 500; }
          on(event, JSON.parse(data));
        }
      }
    }
  }
  (async () => {
    while (!stopped) {
      try { await once(); } catch (e) { /* reconnect below */ }
      if (stopped) break;
      status("offline");
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10000);
    }
  })();
  return () => { stopped = true; if (controller) controller.abort(); };
}

function mmss(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

function clockText(at, language) {
  return new Date(at * 1000).toLocaleTimeString(language === "sv" ? "sv-SE" : "en-GB",
    { hour: "2-digit", minute: "2-digit" });
}

function percent(level) {
  return level === null || level === undefined ? "–" : Math.round(level * 100) + " %";
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

function tokenForm(message, w, done) {
  const input = el("input", { type: "password", id: "token", autocomplete: "off" });
  const form = el("form", { class: "token" }, el("p", {}, message),
    el("label", {}, w.token, " ", input), el("button", { type: "submit" }, w.save));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(TOKEN_KEY, input.value.trim());
    form.remove();
    done();
  });
  return form;
}
