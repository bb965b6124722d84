"use strict";
// The sequence chart of one otpsim run. Time runs left to right, one lane per
// process grouped by node; only the lanes and the time window in view are drawn.
(function () {
  const data = JSON.parse(document.getElementById("run-data").textContent);
  const P = data.processes, M = data.messages, K = data.marks, V = data.violations;
  const ROW = 18, AXIS = 22, LABEL_W = 230;
  const KIND_COLOR = { info: "#2f6fdb", call: "#138a4b", reply: "#5fae7c", cast: "#0f8b8d", down: "#d97706", exit: "#c2410c" };
  const $ = (id) => document.getElementById(id);
  const scroll = $("scroll"), inner = $("inner"), canvas = $("chart"), labels = $("labels");
  const ctx = canvas.getContext("2d");

  // Longest time in flight, so a window also finds arrows sent before it starts.
  let maxFlight = 0;
  for (const m of M) maxFlight = Math.max(maxFlight, m[1] - m[0]);
  const evidence = new Set(), causes = new Set();
  const evidenceEvents = [];
  for (const v of V) {
    v.evidence_index.forEach((i) => evidence.add(i));
    v.causes.forEach((i) => causes.add(i));
    for (const line of v.evidence) evidenceEvents.push(parseLine(line));
  }
  const evidencePids = new Set();
  for (const e of evidenceEvents) e.pids.forEach((p) => evidencePids.add(p));
  const pidIndex = new Map(P.map((p, i) => [p[0], i]));

  // "#12 1.500000000s otpsim event=... pid=<0.1.0>[role]" -> index, time, pids.
  function parseLine(line) {
    const parts = line.split(" ");
    const index = Number(parts[0].slice(1));
    const time = Math.round(parseFloat(parts[1]) * 1e9) || 0;
    const pids = line.match(/<\d+\.\d+\.\d+>/g) || [];
    return { index, time, pids, line };
  }

  let t0 = 0, t1 = Math.max(1, data.end_ns);
  let rows = [], rowOf = new Int32Array(P.length).fill(-1);
  let selected = null;

  function label(i) {
    const p = P[i];
    return p[2] ? p[2] : p[0];
  }

  function layout() {
    const text = $("filter").value.trim().toLowerCase();
    const onlyEvidence = $("evidence-only").checked;
    const onlyAlive = $("alive-only").checked;
    rows = [];
    rowOf.fill(-1);
    let node = null;
    P.forEach((p, i) => {
      if (text && !(p[0].toLowerCase().includes(text) || p[2].toLowerCase().includes(text))) return;
      if (onlyEvidence && !evidencePids.has(p[0])) return;
      if (onlyAlive && (p[3] > t1 || (p[4] >= 0 && p[4] < t0))) return;
      if (p[1] !== node) {
        node = p[1];
        rows.push({ node });
      }
      rowOf[i] = rows.length;
      rows.push({ proc: i });
    });
    labels.textContent = "";
    const frag = document.createDocumentFragment();
    rows.forEach((r, n) => {
      const div = document.createElement("div");
      div.style.top = AXIS + n * ROW + "px";
      if (r.proc === undefined) {
        div.className = "node";
        div.textContent = "node " + r.node;
        div.dataset.node = r.node;
      } else {
        const p = P[r.proc];
        div.className = "lane" + (evidencePids.has(p[0]) ? " evidence" : "");
        div.dataset.pid = p[0];
        div.title = p[0] + (p[2] ? " " + p[2] : "") + (p[4] >= 0 ? " exited " + secs(p[4]) + " (" + p[5] + ")" : "");
        div.append(p[2] || p[0]);
        if (p[2]) {
          const pid = document.createElement("span");
          pid.className = "pid";
          pid.textContent = p[0];
          div.append(pid);
        }
        div.onclick = () => { $("filter").value = p[0]; layout(); };
      }
      frag.append(div);
    });
    labels.append(frag);
    inner.style.height = AXIS + rows.length * ROW + 20 + "px";
    document.body.dataset.lanes = String(labels.querySelectorAll(".lane").length);
    draw();
  }

  function secs(ns) {
    return (ns / 1e9).toFixed(9).replace(/0+$/, "").replace(/\.$/, "") + "s";
  }

  function resize() {
    const main = document.querySelector("main");
    main.style.height = window.innerHeight - document.querySelector("header").offsetHeight + "px";
    const w = Math.max(100, scroll.clientWidth - LABEL_W), h = scroll.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = w * dpr;
    canvas.height = h * dpr;
    canvas.style.width = w + "px";
    canvas.style.height = h + "px";
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    draw();
  }

  const W = () => parseFloat(canvas.style.width) || 100;
  const H = () => parseFloat(canvas.style.height) || 100;
  const x = (t) => ((t - t0) / (t1 - t0)) * W();
  const y = (row) => AXIS + row * ROW + ROW / 2 - scroll.scrollTop;

  // First index in a time-sorted list whose time (column `col`) is >= t.
  function lowerBound(list, col, t) {
    let lo = 0, hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid][col] < t) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  function intervals(startKind, endKinds, key) {
    const out = [], open = new Map();
    for (const k of K) {
      const id = key(k);
      if (k[3] === startKind && !open.has(id)) open.set(id, k[0]);
      else if (endKinds.includes(k[3]) && open.has(id)) { out.push([id, open.get(id), k[0]]); open.delete(id); }
    }
    for (const [id, start] of open) out.push([id, start, data.end_ns]);
    return out;
  }
  const nodeDown = intervals("node_crash", ["node_restart"], (k) => k[2]);
  const partitions = intervals("partition", ["heal"], () => 0);

  function draw() {
    const w = W(), h = H();
    ctx.clearRect(0, 0, w, h);
    const stats = { arrows: 0, marks: 0, evidence: 0, violations: 0 };
    ctx.fillStyle = "rgba(250, 204, 21, 0.18)";
    for (const [, a, b] of partitions) if (b >= t0 && a <= t1) ctx.fillRect(x(a), AXIS, Math.max(2, x(b) - x(a)), h);
    ctx.fillStyle = "rgba(220, 38, 38, 0.10)";
    for (const [node, a, b] of nodeDown) {
      if (b < t0 || a > t1) continue;
      rows.forEach((r, n) => {
        const p = r.proc === undefined ? null : P[r.proc];
        if ((p ? p[1] : r.node) === node) ctx.fillRect(x(a), y(n) - ROW / 2, Math.max(2, x(b) - x(a)), ROW);
      });
    }
    // Lanes in view.
    const firstRow = Math.max(0, Math.floor((scroll.scrollTop - AXIS) / ROW) - 1);
    const lastRow = Math.min(rows.length, firstRow + Math.ceil(h / ROW) + 2);
    ctx.lineWidth = 1;
    for (let n = firstRow; n < lastRow; n++) {
      const r = rows[n];
      if (r.proc === undefined) continue;
      const p = P[r.proc];
      const a = Math.max(t0, p[3]), b = Math.min(t1, p[4] >= 0 ? p[4] : data.end_ns);
      if (b < a) continue;
      ctx.strokeStyle = "#c4c9d4";
      ctx.beginPath();
      ctx.moveTo(x(a), y(n));
      ctx.lineTo(x(b), y(n));
      ctx.stroke();
    }
    // Arrows whose time span meets the window and whose lanes are shown.
    const visible = (ya, yb) => Math.max(ya, yb) >= AXIS && Math.min(ya, yb) <= h;
    const dense = new Set();
    let i = lowerBound(M, 0, t0 - maxFlight);
    const many = lowerBound(M, 0, t1) - i > 20000;
    for (; i < M.length && M[i][0] <= t1; i++) {
      const m = M[i];
      if (m[1] < t0) continue;
      const rf = rowOf[m[2]], rt = rowOf[m[3]];
      if (rf < 0 || rt < 0) continue;
      const x1 = x(m[0]), x2 = x(m[1]), y1 = y(rf), y2 = y(rt);
      if (!visible(y1, y2)) continue;
      const hot = evidence.has(m[6]);
      if (many && !hot) {
        const key = (x1 | 0) + ":" + rf + ":" + rt;
        if (dense.has(key)) continue;
        dense.add(key);
      }
      arrow(m, x1, y1, x2, y2, hot);
      stats.arrows++;
      if (hot) stats.evidence++;
    }
    // Marks.
    for (let j = lowerBound(K, 0, t0); j < K.length && K[j][0] <= t1; j++) {
      const k = K[j];
      const hot = evidence.has(k[4]);
      if (k[1] >= 0) {
        const row = rowOf[k[1]];
        if (row < 0) continue;
        const yy = y(row);
        if (yy < AXIS - ROW || yy > h + ROW) continue;
        mark(k[3], x(k[0]), yy, hot);
      } else if (k[2] >= 0) {
        const row = rows.findIndex((r) => r.proc === undefined && r.node === k[2]);
        if (row >= 0) mark(k[3], x(k[0]), y(row), hot);
      } else {
        ctx.fillStyle = k[3] === "heal" ? "#15803d" : "#b45309";
        ctx.fillText(k[3], x(k[0]) + 2, AXIS + 10);
      }
      stats.marks++;
      if (hot) stats.evidence++;
    }
    // Evidence events that are neither arrows nor marks (a system's own events).
    for (const e of evidenceEvents) {
      if (e.time < t0 || e.time > t1) continue;
      const proc = e.pids.map((p) => pidIndex.get(p)).find((i) => i !== undefined && rowOf[i] >= 0);
      if (proc === undefined) continue;
      const yy = y(rowOf[proc]);
      ctx.strokeStyle = "#c2188b";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x(e.time), yy, 5, 0, 2 * Math.PI);
      ctx.stroke();
      stats.evidence++;
    }
    // Violations.
    const later = V.find((v) => v.time_ns > t1);
    if (later) {
      ctx.fillStyle = "#c2188b";
      ctx.font = "bold 11px system-ui, sans-serif";
      const text = "\u2716 " + later.invariant + " at " + secs(later.time_ns) + " \u2192";
      ctx.fillText(text, w - ctx.measureText(text).width - 4, AXIS + 12);
      ctx.font = "11px system-ui, sans-serif";
    }
    const drawnAt = new Set();
    for (const v of V) {
      if (v.time_ns < t0 || v.time_ns > t1) continue;
      const xv = x(v.time_ns);
      stats.violations++;
      if (drawnAt.has(Math.round(xv) + v.invariant)) continue;
      drawnAt.add(Math.round(xv) + v.invariant);
      ctx.strokeStyle = "#c2188b";
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 3]);
      ctx.beginPath();
      ctx.moveTo(xv, AXIS);
      ctx.lineTo(xv, h);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = "#c2188b";
      ctx.font = "bold 11px system-ui, sans-serif";
      const text = "\u2716 " + v.invariant, width = ctx.measureText(text).width;
      ctx.fillText(text, xv + 4 + width > w ? xv - 4 - width : xv + 4, AXIS + 24);
      ctx.font = "11px system-ui, sans-serif";
    }
    if (selected && selected.t >= t0 && selected.t <= t1) {
      ctx.strokeStyle = "#111";
      ctx.lineWidth = 1.5;
      ctx.strokeRect(x(selected.t) - 7, (selected.row >= 0 ? y(selected.row) : AXIS + 8) - 7, 14, 14);
    }
    axis(w);
    const ds = document.body.dataset;
    ds.processes = String(P.length);
    ds.arrowsDrawn = String(stats.arrows);
    ds.marksDrawn = String(stats.marks);
    ds.evidenceDrawn = String(stats.evidence);
    ds.violations = String(V.length);
    ds.violationsMarked = String(stats.violations);
    ds.window = t0 + "-" + t1;
    $("t0").value = (t0 / 1e9).toFixed(6);
    $("t1").value = (t1 / 1e9).toFixed(6);
  }

  function arrow(m, x1, y1, x2, y2, hot) {
    const fate = m[5], kind = data.kinds[m[4]];
    const dropped = fate >= 3;
    let ex = x2, ey = y2;
    if (dropped) { ex = x1 + (x2 - x1) * 0.6 + 6; ey = y1 + (y2 - y1) * 0.6; }
    if (hot) {
      ctx.strokeStyle = "rgba(194, 24, 139, 0.35)";
      ctx.lineWidth = 6;
      ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(ex, ey); ctx.stroke();
    }
    ctx.strokeStyle = dropped ? "#dc2626" : fate === 2 ? "#7c3aed" : KIND_COLOR[kind] || "#555";
    ctx.lineWidth = hot ? 2 : 1;
    if (fate === 1) ctx.setLineDash([4, 3]);
    ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(ex, ey); ctx.stroke();
    ctx.setLineDash([]);
    if (dropped) {
      ctx.beginPath();
      ctx.moveTo(ex - 4, ey - 4); ctx.lineTo(ex + 4, ey + 4);
      ctx.moveTo(ex + 4, ey - 4); ctx.lineTo(ex - 4, ey + 4);
      ctx.stroke();
      return;
    }
    const angle = Math.atan2(y2 - y1, x2 - x1);
    ctx.fillStyle = ctx.strokeStyle;
    ctx.beginPath();
    ctx.moveTo(x2, y2);
    ctx.lineTo(x2 - 6 * Math.cos(angle - 0.4), y2 - 6 * Math.sin(angle - 0.4));
    ctx.lineTo(x2 - 6 * Math.cos(angle + 0.4), y2 - 6 * Math.sin(angle + 0.4));
    ctx.fill();
    if (fate === 2) ctx.fillText("2\u00d7", x2 + 3, y2 - 3);
  }

  const MARK_STYLE = {
    crash: ["#dc2626", "\u2716"], exit: ["#6b7280", "|"], restart: ["#15803d", "\u21bb"], fault: ["#dc2626", "\u26a1"],
    defect: ["#ea580c", "\u25c6"], intensity: ["#7f1d1d", "\u25a0"], node_crash: ["#dc2626", "\u2716 node down"],
    node_restart: ["#15803d", "\u21bb node up"], event: ["#9aa3b2", "\u2022"],
  };
  function mark(kind, xx, yy, hot) {
    const [color, glyph] = MARK_STYLE[kind] || ["#333", "\u2022"];
    if (hot) {
      ctx.fillStyle = "rgba(194, 24, 139, 0.3)";
      ctx.beginPath(); ctx.arc(xx, yy, 8, 0, 2 * Math.PI); ctx.fill();
    }
    ctx.fillStyle = color;
    ctx.font = "12px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    ctx.fillText(glyph, xx - 4, yy);
    ctx.textBaseline = "alphabetic";
    ctx.font = "11px system-ui, sans-serif";
  }

  function axis(w) {
    ctx.fillStyle = "#f6f7fa";
    ctx.fillRect(0, 0, w, AXIS);
    ctx.strokeStyle = "#c4c9d4";
    ctx.beginPath(); ctx.moveTo(0, AXIS); ctx.lineTo(w, AXIS); ctx.stroke();
    const span = t1 - t0, target = span / 8;
    let step = Math.pow(10, Math.floor(Math.log10(target)));
    if (target / step > 5) step *= 5; else if (target / step > 2) step *= 2;
    ctx.fillStyle = "#4a5263";
    ctx.font = "11px system-ui, sans-serif";
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      const xx = x(t);
      ctx.beginPath(); ctx.moveTo(xx, AXIS - 5); ctx.lineTo(xx, AXIS); ctx.stroke();
      ctx.fillText(secs(t), xx + 2, 13);
    }
  }

  function zoomTo(a, b) {
    const min = 1000;
    if (b - a < min) { const c = (a + b) / 2; a = c - min / 2; b = c + min / 2; }
    t0 = Math.max(0, a);
    t1 = Math.max(t0 + min, b);
    if ($("alive-only").checked) layout(); else draw();
  }

  function scrollToRow(row) {
    if (row < 0) return;
    const top = AXIS + row * ROW;
    if (top < scroll.scrollTop + AXIS || top > scroll.scrollTop + H() - ROW) scroll.scrollTop = Math.max(0, top - H() / 2);
  }

  function focus(t, proc) {
    const span = Math.max(t1 - t0, 1000);
    const row = proc !== undefined && proc >= 0 ? rowOf[proc] : -1;
    selected = { t, row };
    if (t < t0 || t > t1) zoomTo(t - span / 2, t + span / 2); else draw();
    scrollToRow(row);
    draw();
  }

  // The first violation and its evidence; when it was found by a check long after
  // its evidence (a task still running at the end), the evidence alone.
  function violationWindow() {
    const v = V[0];
    if (!v) return [0, data.end_ns];
    const times = v.evidence.map((line) => parseLine(line).time);
    let a = Math.min(v.time_ns, ...times), b = Math.max(v.time_ns, ...times);
    const last = times.length ? Math.max(...times) : v.time_ns;
    if (v.time_ns - last > 4 * Math.max(last - a, 1e6)) b = last;
    const pad = Math.max((b - a) * 0.05, 1e6);
    return [a - pad, b + pad];
  }

  function showViolations() {
    const box = $("violations");
    box.innerHTML = "<h2>Violations (" + V.length + ")</h2>";
    if (!V.length) box.append("none: every invariant held");
    const SHOWN = 50;
    if (V.length > SHOWN) box.append("the first " + SHOWN + " in time order; search finds the others' evidence");
    for (const v of V.slice(0, SHOWN)) {
      const div = document.createElement("div");
      div.className = "violation";
      const what = document.createElement("div");
      what.className = "what";
      what.textContent = v.invariant + " at " + secs(v.time_ns) + ": " + v.message;
      what.onclick = () => focus(v.time_ns);
      div.append(what);
      for (const line of v.evidence) {
        const e = parseLine(line);
        const row = document.createElement("div");
        row.className = "line" + (causes.has(e.index) ? " cause" : "");
        row.textContent = line + (causes.has(e.index) ? "  \u2190 upstream fault" : "");
        row.onclick = () => focus(e.time, e.pids.length ? pidIndex.get(e.pids[0]) : undefined);
        div.append(row);
      }
      box.append(div);
    }
  }

  function search(text) {
    const box = $("results");
    box.textContent = "";
    text = text.trim().toLowerCase();
    if (!text) return;
    const hits = [];
    P.forEach((p, i) => { if ((p[0] + " " + p[2]).toLowerCase().includes(text)) hits.push([p[3], i, "process " + p[0] + " " + p[2]]); });
    for (const k of K) if (k[5].toLowerCase().includes(text)) hits.push([k[0], k[1], k[5]]);
    for (const e of evidenceEvents) if (e.line.toLowerCase().includes(text)) hits.push([e.time, e.pids.length ? pidIndex.get(e.pids[0]) : -1, e.line]);
    for (const m of M) {
      if (hits.length > 2000) break;
      const fate = m[5] >= 3 ? "dropped " + data.drop_causes[m[5] - 3] : ["delivered", "delayed", "duplicated"][m[5]];
      const text2 = "#" + m[6] + " " + data.kinds[m[4]] + " " + fate + " " + P[m[2]][0] + " " + label(m[2]) + " -> " + P[m[3]][0] + " " + label(m[3]);
      if (text2.toLowerCase().includes(text)) hits.push([m[1], m[3], text2]);
    }
    hits.sort((a, b) => a[0] - b[0]);
    const head = document.createElement("h2");
    head.textContent = "Search: " + hits.length + (hits.length > 200 ? " (first 200)" : "");
    box.append(head);
    for (const [t, proc, line] of hits.slice(0, 200)) {
      const row = document.createElement("div");
      row.className = "line";
      row.textContent = secs(t) + " " + line;
      row.onclick = () => focus(t, proc);
      box.append(row);
    }
  }

  function details(px, py) {
    const t = t0 + (px / W()) * (t1 - t0);
    const slack = (8 / W()) * (t1 - t0);
    let best = null, bestD = 64;
    for (let j = lowerBound(K, 0, t - slack); j < K.length && K[j][0] <= t + slack; j++) {
      const k = K[j];
      const row = k[1] >= 0 ? rowOf[k[1]] : -1;
      if (row < 0) continue;
      const d = Math.pow(x(k[0]) - px, 2) + Math.pow(y(row) - py, 2);
      if (d < bestD) { bestD = d; best = k[5]; }
    }
    for (let i = lowerBound(M, 0, t - slack - maxFlight); i < M.length && M[i][0] <= t + slack; i++) {
      const m = M[i];
      for (const [tt, p] of [[m[0], m[2]], [m[1], m[3]]]) {
        if (rowOf[p] < 0) continue;
        const d = Math.pow(x(tt) - px, 2) + Math.pow(y(rowOf[p]) - py, 2);
        if (d < bestD) {
          bestD = d;
          const fate = m[5] >= 3 ? "dropped (" + data.drop_causes[m[5] - 3] + ")" : ["delivered", "delayed", "duplicated"][m[5]];
          best = "#" + m[6] + " " + data.kinds[m[4]] + " " + fate + ": " + P[m[2]][0] + " " + label(m[2]) + " \u2192 " +
            P[m[3]][0] + " " + label(m[3]) + ", sent " + secs(m[0]) + ", at " + secs(m[1]);
        }
      }
    }
    const box = $("details");
    box.innerHTML = "<h2>Selected</h2>";
    const div = document.createElement("div");
    div.className = "line";
    div.textContent = best || "nothing here (click an arrow end or a mark)";
    box.append(div);
  }

  // Interaction: drag to pan, Ctrl/Alt+wheel to zoom, Shift+wheel to pan, keys too.
  let drag = null;
  canvas.addEventListener("mousedown", (e) => { drag = { x: e.offsetX, t0, t1, moved: false }; });
  window.addEventListener("mouseup", (e) => {
    if (drag && !drag.moved && e.target === canvas) details(e.offsetX, e.offsetY);
    drag = null;
  });
  canvas.addEventListener("mousemove", (e) => {
    if (!drag) return;
    const dt = ((e.offsetX - drag.x) / W()) * (drag.t1 - drag.t0);
    if (Math.abs(e.offsetX - drag.x) > 2) drag.moved = true;
    t0 = drag.t0 - dt; t1 = drag.t1 - dt;
    draw();
  });
  canvas.addEventListener("wheel", (e) => {
    if (e.ctrlKey || e.altKey) {
      e.preventDefault();
      const at = t0 + (e.offsetX / W()) * (t1 - t0), f = Math.exp(e.deltaY * 0.002);
      zoomTo(at - (at - t0) * f, at + (t1 - at) * f);
    } else if (e.shiftKey) {
      e.preventDefault();
      const dt = ((e.deltaY || e.deltaX) / W()) * (t1 - t0);
      t0 += dt; t1 += dt;
      draw();
    }
  }, { passive: false });
  window.addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT") return;
    const span = t1 - t0, c = (t0 + t1) / 2;
    if (e.key === "+" || e.key === "=") zoomTo(c - span / 4, c + span / 4);
    else if (e.key === "-") zoomTo(c - span, c + span);
    else if (e.key === "ArrowLeft") zoomTo(t0 - span / 5, t1 - span / 5);
    else if (e.key === "ArrowRight") zoomTo(t0 + span / 5, t1 + span / 5);
  });
  scroll.addEventListener("scroll", draw);
  window.addEventListener("resize", resize);
  $("apply").onclick = () => zoomTo(parseFloat($("t0").value) * 1e9, parseFloat($("t1").value) * 1e9);
  $("fit").onclick = () => zoomTo(0, Math.max(1, data.end_ns));
  $("to-violation").onclick = () => { const [a, b] = violationWindow(); zoomTo(a, b); };
  $("filter").addEventListener("input", layout);
  $("evidence-only").addEventListener("change", layout);
  $("alive-only").addEventListener("change", layout);
  let pending = null;
  $("search").addEventListener("input", () => { clearTimeout(pending); pending = setTimeout(() => search($("search").value), 200); });

  $("legend").innerHTML = Object.entries(KIND_COLOR).map(([k, c]) => '<span><i style="background:' + c + '"></i>' + k + "</span>").join("") +
    '<span><i style="background:#7c3aed"></i>duplicated (2\u00d7)</span><span><i style="border-top:2px dashed #555;height:0"></i>delayed</span>' +
    '<span style="color:#dc2626">\u2716 dropped / crash</span><span style="color:#dc2626">\u26a1 fault</span>' +
    '<span style="color:#15803d">\u21bb restart</span><span style="color:#c2188b">\u25cb evidence</span>' +
    "<span>Ctrl+wheel zoom \u00b7 drag or Shift+wheel pan \u00b7 click for details</span>";
  showViolations();
  [t0, t1] = V.length ? violationWindow() : [0, Math.max(1, data.end_ns)];
  t0 = Math.max(0, t0);
  resize();
  layout();
  const firstEvidence = evidenceEvents.map((e) => e.pids.map((p) => pidIndex.get(p)).find((i) => i !== undefined)).find((i) => i !== undefined);
  if (firstEvidence !== undefined) scrollToRow(rowOf[firstEvidence]);
  draw();
  document.body.dataset.ready = "true";
})();
