// The verification page: reads the lottery (and optional ticket number, order and receipt) from the query string
// (?lottery=&ticket=&order=&lang=) or the fragment (#receipt=<base64url JSON>, never sent to a server), runs
// verify.js and leads with the answer a player wants: what the lottery was, who won, whether their ticket won,
// then the draw's verdict and the receipt's, each with its reason; the individual checks are folded underneath.
// Keys are pinned by config.json, deployed with the page, never by the data checked.
import { STEPS, ed25519EngineUsed, fromB64url, verifyLottery } from "./verify.js";
import { LANGUAGES, TEXT, fill, pickLanguage } from "./i18n.js";

const query = new URLSearchParams(location.search);
const fragment = new URLSearchParams(location.hash.slice(1));
const $ = (id) => document.getElementById(id);
let language = pickLanguage(query.get("lang"));
const shown = {};
let result = null; // verifyLottery's answer, or {running: true} / {error}

const t = () => TEXT[language];
const show = (id, text) => {
  const node = $(id);
  node.textContent = text || "";
  node.hidden = !text;
};

function stepText(id, status, params) {
  const texts = t().steps[id];
  if (status === "ok") return fill(texts.ok, params);
  if (status === "running") return fill(texts.running || texts.ok, params);
  if (status === "fail") {
    if (params.unreadable) return texts.unreadable;
    return fill(texts.fail, params) + (params.error ? ` (${params.error})` : "");
  }
  return "";
}

function formatTime(iso) {
  if (!iso) return "";
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return String(iso);
  for (const locale of [language, "ru", "en"]) {
    try {
      return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(when);
    } catch {
      // a locale this browser lacks: try the next
    }
  }
  return when.toISOString();
}

function lotteryName() {
  const lottery = result?.lottery;
  const titles = lottery?.title_i18n || {};
  return titles[language] || lottery?.title || result?.title || fill(t().answer.lottery, { id: $("lottery").value.trim() });
}

function renderAnswer() {
  const a = t().answer;
  const lottery = result?.lottery || null;
  const outcome = result?.outcome || {};
  $("answer").hidden = !result?.draw || result.draw === "error";
  show("lottery-name", result?.draw ? lotteryName() : "");
  const image = $("lottery-image");
  const url = lottery?.image_url || "";
  if (/^https:\/\//.test(url)) {
    if (image.getAttribute("src") !== url) image.src = url;
    image.alt = lotteryName();
    image.hidden = image.dataset.broken === url;
  } else image.hidden = true;
  const price = lottery ? new Intl.NumberFormat("en", { minimumFractionDigits: 2 }).format(Number(lottery.ticket_price)) : "";
  show("lottery-prize", lottery ? fill(a.prize, { tickets: lottery.total_tickets, price, currency: lottery.currency }) : "");

  let when = "";
  let winning = "";
  let mine = "";
  const draw = result?.draw;
  if (draw === "legacy") {
    when = outcome.drawnAt ? fill(a.drawn, { when: formatTime(outcome.drawnAt) }) : "";
    winning = outcome.winning ? fill(a.legacy, { number: outcome.winning }) : "";
  } else if (draw === "on_sale") when = a.on_sale;
  else if (draw === "not_drawn") when = a.sold_out;
  else if (draw === "cancelled") when = a.cancelled;
  else if (outcome.winning) {
    when = fill(a.drawn, { when: formatTime(outcome.drawnAt) });
    winning = fill(a.winning, { number: outcome.winning });
    if (draw !== "fair") mine = a.unverified;
    else if (outcome.won === true) mine = fill(a.won, { number: outcome.winning });
    else if (outcome.won === false) mine = fill(outcome.mine.length > 1 ? a.lost_many : a.lost, { numbers: outcome.mine.join(", ") });
    else if (!outcome.mine.length) mine = a.bring;
  }
  show("lottery-when", when);
  show("lottery-winning", winning);
  show("mine", mine);
  $("mine").dataset.won = outcome.won === true ? "yes" : outcome.won === false ? "no" : "";
}

function renderVerdicts() {
  const texts = t();
  const draw = $("draw");
  const state = result?.running ? "running" : result?.draw || "";
  draw.hidden = !state;
  draw.dataset.verdict = state;
  let headline = "";
  let reason = "";
  if (result?.running) headline = texts.draw.running;
  else if (state === "error") {
    headline = texts.draw.error;
    reason = fill(texts.errors[result.errorCode] || texts.errors.other, { error: result.error });
  } else if (state) {
    headline = fill(texts.draw[state], { passed: result.passed });
    if (state === "not_fair") reason = stepText(result.drawReason, "fail", result.steps[result.drawReason].params);
    else if (state === "legacy") reason = texts.legacy_reasons[result.legacyReason] || "";
    else reason = texts.draw_reason[state] || "";
  }
  show("draw-verdict", headline);
  show("draw-reason", reason);
  show("now-later", state === "on_sale" || state === "not_drawn" ? texts.now_later[state] : "");

  const ticket = $("ticket");
  const ticketState = result?.ticket && result.ticket !== "none" ? result.ticket : "";
  ticket.hidden = !ticketState;
  ticket.dataset.verdict = ticketState;
  const numbers = result?.outcome?.mine?.join(", ") || "";
  show("ticket-verdict", ticketState ? fill(texts.ticket[ticketState], { numbers }) : "");
  const why = result?.ticketReason;
  show("ticket-reason", why ? stepText(why, "fail", result.steps[why].params) : "");
}

function renderSteps() {
  const texts = t();
  const counts = { draw: [0, 0], receipt: [0, 0] };
  for (const step of STEPS) {
    const item = $(`step-${step.id}`);
    const current = shown[step.id];
    const status = current ? current.status : "waiting";
    item.dataset.status = status;
    item.hidden = !["ok", "fail", "running"].includes(status);
    item.querySelector(".state").textContent = texts.status[status] || "";
    item.querySelector(".text").textContent = current ? stepText(step.id, status, current.params) : "";
    item.querySelector(".about").textContent = fill(texts.steps[step.id].about, current?.params);
    const bucket = step.group === "receipt" ? counts.receipt : counts.draw;
    if (status === "ok" || status === "fail") bucket[1] += 1;
    if (status === "ok") bucket[0] += 1;
  }
  $("draw-summary").textContent = fill(texts.details, { passed: counts.draw[0], total: counts.draw[1] });
  $("draw-details").hidden = counts.draw[1] === 0;
  $("ticket-summary").textContent = fill(texts.receipt_details, { passed: counts.receipt[0], total: counts.receipt[1] });
  $("ticket-details").hidden = counts.receipt[1] === 0;
}

function render() {
  const texts = t();
  document.documentElement.lang = language;
  document.title = texts.title;
  $("t-title").textContent = texts.title;
  for (const id of ["lottery", "ticket", "receipt", "run", "language", "other"]) $(`t-${id}`).textContent = texts.form[id];
  renderAnswer();
  renderVerdicts();
  renderSteps();
}

// The receipt of the link's fragment goes into the receipt box, so the player sees what is checked.
function receiptFromFragment() {
  const encoded = fragment.get("receipt");
  if (!encoded) return "";
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(fromB64url(encoded));
    try {
      return JSON.stringify(JSON.parse(text), null, 1);
    } catch {
      return text;
    }
  } catch {
    return encoded; // not base64url: shown as it came, and reported as unreadable
  }
}

async function run() {
  for (const id of Object.keys(shown)) delete shown[id];
  const lotteryId = $("lottery").value.trim();
  if (!lotteryId) {
    result = { draw: "error", error: "", errorCode: "no_lottery" };
    render();
    return;
  }
  result = { running: true };
  render();
  const started = performance.now();
  let peakHeap = performance.memory ? performance.memory.usedJSHeapSize : null;
  const sample = () => {
    if (performance.memory) peakHeap = Math.max(peakHeap, performance.memory.usedJSHeapSize);
  };
  try {
    const config = await (await fetch("config.json", { cache: "no-store" })).json();
    const ticket = $("ticket").value.trim();
    result = await verifyLottery({
      lotteryId,
      config,
      receipt: $("receipt").value,
      order: query.get("order"),
      ticketNumbers: ticket ? ticket.split(/[\s,]+/).filter(Boolean).map(Number) : [],
      forceLibraryEd25519: query.get("ed25519") === "library",
      pageSize: Number(query.get("page_size")) || 1000,
      report: (id, status, params) => {
        shown[id] = { status, params };
        if (status !== "running") renderSteps();
        else $(`step-${id}`).querySelector(".text").textContent = stepText(id, status, params);
      },
      onPage: sample,
    });
  } catch (error) {
    result = { draw: "error", error: String(error?.message || error), errorCode: error?.code || null };
  }
  sample();
  render();
  window.__verification = {
    draw: result.draw, draw_reason: result.drawReason || null, passed: result.passed ?? 0,
    ticket: result.ticket || "none", ticket_reason: result.ticketReason || null,
    won: result.outcome?.won ?? null, winning: result.outcome?.winning ?? null,
    error: result.error || null, error_code: result.errorCode || null,
    ms: Math.round(performance.now() - started), peakHeap, engine: ed25519EngineUsed(),
    steps: Object.fromEntries(Object.entries(shown).map(([id, s]) => [id, s.status])),
  };
}

function setUp() {
  for (const step of STEPS) {
    const item = document.createElement("li");
    item.id = `step-${step.id}`;
    item.dataset.step = step.id;
    item.hidden = true;
    for (const name of ["state", "text", "about"]) {
      const part = document.createElement(name === "about" ? "small" : "span");
      part.className = name;
      item.append(part);
    }
    $(step.group === "receipt" ? "ticket-steps" : "draw-steps").append(item);
  }
  const image = $("lottery-image");
  image.addEventListener("error", () => {
    image.dataset.broken = image.getAttribute("src");
    image.hidden = true;
  });
  const select = $("lang");
  for (const [code, name] of Object.entries(LANGUAGES)) select.append(new Option(name, code, false, code === language));
  select.addEventListener("change", () => {
    language = select.value;
    render();
  });
  $("lottery").value = query.get("lottery") || "";
  $("ticket").value = query.get("ticket") || "";
  $("receipt").value = receiptFromFragment();
  $("check-form").open = !$("lottery").value;
  $("form").addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  render();
  if ($("lottery").value) run();
}

setUp();
