// The wallboard: one panel per tenant in its own language, the whole switchboard on top,
// calls waiting over the last hour drawn as SVG. Everything comes from /api/stream.
"use strict";

const board = {
  me: null, at: 0, overview: null, tenants: new Map(), agents: new Map(), history: new Map(),
  step: 15, chosen: new URLSearchParams(location.search).get("lang"), language: "sv",
};
const SHOWN = ["available", "on_call", "ringing", "wrapup", "paused", "busy", "unreachable"];
const SVG = "http://www.w3.org/2000/svg";

function onMessage(event, data) {
  if (event === "snapshot") {
    board.me = data.me;
    board.at = data.at;
    board.language = board.chosen || data.me.language;
    board.overview = data.overview;
    board.tenants = new Map(data.tenants.map((t) => [t.id, t]));
    board.agents = new Map(data.agents.map((a) => [a.id, a]));
    board.step = data.history.step_s;
    board.history = new Map(Object.entries(data.history.tenants)
      .map(([id, points]) => [id, points.map(([at, n]) => [at, n])]));
    layout();
  } else if (event === "tenant") {
    board.tenants.set(data.id, data);
    sample(data.id, data.waiting, board.at);
  } else if (event === "agent") {
    board.agents.set(data.id, data);
  } else if (event === "overview") {
    board.overview = data;
  } else if (event === "tick") {
    board.at = data.at;
    for (const t of board.tenants.values()) sample(t.id, t.waiting, data.at);
  } else {
    return; // call events and queues: the panels show their effect through the tenant views
  }
  render();
}

function sample(tenant, waiting, at) {
  const points = board.history.get(tenant) || [];
  const start = at - (at % board.step);
  const last = points[points.length - 1];
  if (last && last[0] === start) last[1] = Math.max(last[1], waiting);
  else points.push([start, waiting]);
  while (points.length && points[0][0] < at - 3600) points.shift();
  board.history.set(tenant, points);
}

function layout() {
  const w = words(board.language);
  document.documentElement.lang = board.language;
  document.title = w.title;
  document.querySelector("#title").textContent = w.title;
  const grid = document.querySelector("#tenants");
  grid.replaceChildren(...[...board.tenants.keys()].map((id) =>
    el("section", { class: "tenant", "data-tenant": id })));
  render();
}

function render() {
  const w = words(board.language);
  document.querySelector("#clock").textContent = board.at ? clockText(board.at, board.language) : "";
  renderOverview(w);
  for (const section of document.querySelectorAll("section.tenant")) {
    const view = board.tenants.get(section.dataset.tenant);
    if (view) renderTenant(section, view);
  }
}

function renderOverview(w) {
  const o = board.overview;
  if (!o) return;
  const missed = o.target_missed.map((id) => (board.tenants.get(id) || { name: id }).name);
  const box = document.querySelector("#overview");
  box.classList.toggle("missed", missed.length > 0);
  box.replaceChildren(
    el("h2", {}, w.overview),
    figure(w.waiting, o.waiting, "waiting"),
    figure(w.longest, o.waiting ? mmss(board.at - o.oldest_waiting_since) : "0:00", "longest"),
    figure(w.connected, o.connected, "connected"),
    figure(w.level, percent(o.today.service_level), "level"),
    figure(w.answered, o.today.answered, "answered"),
    figure(w.abandoned, o.today.abandoned, "abandoned"),
    agentChips(o.agents, w),
    el("p", { class: "alerts" }, missed.length ? `${w.missed}: ${missed.join(", ")}` : ""),
  );
}

function renderTenant(section, t) {
  const w = words(t.language);
  section.lang = t.language;
  section.classList.toggle("missed", t.target_missed);
  const closed = t.overrides.find((o) => o.service === null);
  section.classList.toggle("closed", Boolean(closed && closed.force === "closed"));
  const longest = t.waiting && t.oldest_waiting_since ? board.at - t.oldest_waiting_since : 0;
  const badges = t.overrides.map((o) => el("span", { class: "override " + o.force },
    `${o.service ? o.service + ": " : ""}${o.force === "closed" ? w.closedUntil : w.openUntil} ` +
    clockText(o.until, t.language)));
  const d = t.today;
  section.replaceChildren(
    el("header", {}, el("h2", {}, t.name), el("span", { class: "tag" }, t.tag), ...badges),
    el("div", { class: "figures" },
      figure(w.waiting, t.waiting, "waiting"),
      figure(w.longest, mmss(longest), "longest"),
      figure(`${w.level} (${w.target} ${percent(t.service_level_target)})`,
        percent(d.service_level), "level")),
    el("p", { class: "counts" },
      `${w.answered} ${d.answered} · ${w.abandoned} ${d.abandoned} · ${w.connected} ${t.connected}`),
    el("p", { class: "partners" },
      `${w.byPartners} ${d.answered_by_partners} · ${w.forPartners} ${d.answered_for_partners}`),
    agentChips(t.agents_serving, w),
    chart(board.history.get(t.id) || [], w.chart),
  );
}

function figure(label, value, kind) {
  return el("div", { class: "figure " + kind },
    el("span", { class: "value" }, String(value)), el("span", { class: "label" }, label));
}

function agentChips(counts, w) {
  return el("ul", { class: "agents" }, ...SHOWN.filter((s) => counts[s] > 0).map((s) =>
    el("li", { class: "state " + s }, `${w.status[s]} ${counts[s]}`)));
}

function chart(points, title) {
  const width = 360;
  const height = 80;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  const label = document.createElementNS(SVG, "title");
  label.textContent = title;
  svg.append(label);
  const top = Math.max(3, ...points.map((p) => p[1]));
  const start = board.at - 3600;
  const xy = points.map(([at, n]) =>
    `${(((at - start) / 3600) * width).toFixed(1)},${(height - 4 - (n / top) * (height - 8)).toFixed(1)}`);
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("class", "waiting");
  line.setAttribute("points", xy.join(" "));
  svg.append(line);
  return svg;
}

function status(what) {
  const w = words(board.language);
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

takeToken();
board.language = board.chosen || (navigator.language || "sv").slice(0, 2);
start();
