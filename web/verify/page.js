// The verification page: reads the lottery (and optional ticket number / receipt) from the form, the query string
// (?lottery=&ticket=&lang=) or the fragment (#receipt=<base64url JSON>, never sent to a server), runs verify.js and
// shows each step in plain words. Keys are pinned by config.json, deployed with the page, never by the data checked.
import { STEPS, ed25519EngineUsed, fromB64url, verifyLottery } from "./verify.js";
import { LANGUAGES, TEXT, fill, pickLanguage } from "./i18n.js";

const query = new URLSearchParams(location.search);
const fragment = new URLSearchParams(location.hash.slice(1));
const $ = (id) => document.getElementById(id);
let language = pickLanguage(query.get("lang"));
const shown = {};
let verdict = null;

function stepText(id, status, params) {
  const t = TEXT[language];
  const [ok, fail, running] = t.steps[id];
  if (status === "ok") return fill(ok, params);
  if (status === "fail") return fill(fail, params) + (params.error ? ` (${params.error})` : "");
  if (status === "running") return fill(running || ok, params);
  if (status === "pending") return ["UPCOMING", "ACTIVE"].includes(params.status) ? t.verdict.waiting : t.pending;
  return "";
}

function render() {
  const t = TEXT[language];
  document.documentElement.lang = language;
  document.title = t.title;
  for (const id of ["title", "intro", "lottery", "ticket", "receipt", "run", "language"]) $(`t-${id}`).textContent = t[id];
  for (const id of STEPS) {
    const item = $(`step-${id}`);
    const step = shown[id];
    item.dataset.status = step ? step.status : "waiting";
    item.querySelector(".state").textContent = t.status[step ? step.status : "waiting"];
    item.querySelector(".text").textContent = step ? stepText(id, step.status, step.params) : "";
  }
  const box = $("verdict");
  box.dataset.verdict = verdict ? verdict.state : "";
  box.textContent = verdict ? fill(t.verdict[verdict.state], verdict) : "";
}

function readReceipt() {
  const pasted = $("receipt").value.trim();
  if (pasted) {
    const parsed = JSON.parse(pasted);
    return parsed.receipt || parsed;
  }
  const encoded = fragment.get("receipt");
  return encoded ? JSON.parse(new TextDecoder().decode(fromB64url(encoded))) : null;
}

async function run() {
  for (const id of STEPS) delete shown[id];
  verdict = { state: "running" };
  render();
  const started = performance.now();
  let peakHeap = performance.memory ? performance.memory.usedJSHeapSize : null;
  const sample = () => {
    if (performance.memory) peakHeap = Math.max(peakHeap, performance.memory.usedJSHeapSize);
  };
  try {
    const config = await (await fetch("config.json", { cache: "no-store" })).json();
    const ticket = $("ticket").value.trim();
    const result = await verifyLottery({
      lotteryId: $("lottery").value.trim(),
      config,
      receipt: readReceipt(),
      ticketNumbers: ticket ? [Number(ticket)] : [],
      forceLibraryEd25519: query.get("ed25519") === "library",
      pageSize: Number(query.get("page_size")) || 1000,
      report: (id, status, params) => {
        shown[id] = { status, params };
        if (status !== "running") render();
        else $(`step-${id}`).querySelector(".text").textContent = stepText(id, status, params);
      },
      onPage: sample,
    });
    verdict = { state: result.verdict };
  } catch (error) {
    verdict = { state: "error", error: String(error?.message || error) };
  }
  sample();
  render();
  window.__verification = {
    verdict: verdict.state, error: verdict.error || null, ms: Math.round(performance.now() - started), peakHeap,
    engine: ed25519EngineUsed(), steps: Object.fromEntries(Object.entries(shown).map(([id, s]) => [id, s.status])),
  };
}

function setUp() {
  const list = $("steps");
  for (const id of STEPS) {
    const item = document.createElement("li");
    item.id = `step-${id}`;
    item.dataset.step = id;
    const state = document.createElement("span");
    state.className = "state";
    const text = document.createElement("span");
    text.className = "text";
    item.append(state, text);
    list.append(item);
  }
  const select = $("lang");
  for (const [code, name] of Object.entries(LANGUAGES)) select.append(new Option(name, code, false, code === language));
  select.addEventListener("change", () => {
    language = select.value;
    render();
  });
  $("lottery").value = query.get("lottery") || "";
  $("ticket").value = query.get("ticket") || "";
  $("form").addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  render();
  if ($("lottery").value) run();
}

setUp();
