// The agent view: an operator's own state (or, for a supervisor, one of its operators) with
// log in, log out, pause with a reason and unpause; the state follows /api/stream.
"use strict";

const view = { me: null, at: 0, agents: new Map(), chosen: null, language: "sv" };

function onMessage(event, data) {
  if (event === "snapshot") {
    view.me = data.me;
    view.at = data.at;
    view.language = new URLSearchParams(location.search).get("lang") || data.me.language;
    view.agents = new Map(data.agents.map((a) => [a.id, a]));
    choose();
  } else if (event === "agent") {
    view.agents.set(data.id, data);
  } else if (event === "tick") {
    view.at = data.at;
  } else {
    return;
  }
  render();
}

function choose() {
  const mine = view.me.agent ? [view.me.agent] : view.me.agents;
  const w = words(view.language);
  const pick = document.querySelector("#pick");
  document.querySelector("#pick-label").hidden = mine.length < 2;
  document.querySelector("#pick-text").textContent = w.agent;
  pick.replaceChildren(...mine.map((id) => {
    const agent = view.agents.get(id);
    return el("option", { value: id }, agent && agent.name ? `${agent.name} (${id})` : id);
  }));
  view.chosen = view.chosen && mine.includes(view.chosen) ? view.chosen : mine[0] || null;
  if (view.chosen) pick.value = view.chosen;
  for (const [id, label] of [["login", w.login], ["logout", w.logout], ["pause", w.pause],
    ["unpause", w.unpause]]) {
    const button = document.querySelector("#" + id);
    button.textContent = label;
    button.disabled = !view.chosen;
  }
  document.querySelector("#reason-label").textContent = w.reason;
  document.documentElement.lang = view.language;
}

function render() {
  const w = words(view.language);
  document.querySelector("#title").textContent = w.me;
  document.querySelector("#clock").textContent = view.at ? clockText(view.at, view.language) : "";
  const agent = view.agents.get(view.chosen);
  const state = document.querySelector("#state");
  if (!agent) {
    state.textContent = "–";
    return;
  }
  state.dataset.status = agent.status;
  state.textContent = `${agent.name || agent.id}: ${w.status[agent.status] || agent.status}`;
  document.querySelector("#since").textContent =
    `${w.since} ${mmss(view.at - agent.status_since)}`;
  document.querySelector("#reason-now").textContent =
    agent.paused_reason ? `${w.reason}: ${agent.paused_reason}` : "";
  document.querySelector("#call").textContent =
    agent.call_tenant ? `${w.call} ${agent.call_tenant}` : "";
}

async function act(action) {
  const w = words(view.language);
  const result = document.querySelector("#result");
  const body = action === "pause" ? { reason: document.querySelector("#reason").value } : undefined;
  try {
    const agent = await api("POST", `/api/agents/${encodeURIComponent(view.chosen)}/${action}`, body);
    view.agents.set(agent.id, agent);
    result.textContent = w.done;
    result.className = "ok";
    render();
  } catch (error) {
    result.textContent = `${w.failed}: ${error.message}`;
    result.className = "error";
  }
}

function status(what) {
  const w = words(view.language);
  const dot = document.querySelector("#status");
  dot.className = what;
  dot.textContent = what === "live" ? w.live : what === "offline" ? w.offline : "";
  if (what === "unauthorized") {
    document.querySelector("main").prepend(tokenForm(w.needToken, w, start));
  }
}

function start() {
  stream(onMessage, status);
}

for (const action of ["login", "logout", "pause", "unpause"]) {
  document.querySelector("#" + action).addEventListener("click", () => act(action));
}
document.querySelector("#pick").addEventListener("change", (event) => {
  view.chosen = event.target.value;
  render();
});
takeToken();
start();
