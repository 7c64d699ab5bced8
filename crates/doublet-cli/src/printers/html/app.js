"use strict";
(function () {
  window.addEventListener("error", function (e) { document.body.dataset.error = String(e.message || e); });
  const data = JSON.parse(document.getElementById("data").textContent);
  const $ = (id) => document.getElementById(id);
  const el = (tag, props, children) => {
    const n = document.createElement(tag);
    Object.assign(n, props || {});
    for (const c of children || []) n.append(c);
    return n;
  };
  const SVG = "http://www.w3.org/2000/svg";
  const svgEl = (tag, attrs, text) => {
    const n = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    if (text !== undefined) n.textContent = text;
    return n;
  };
  const num = (n) => Number(n).toLocaleString("en");
  const score = (x) => (x === null || x === undefined ? "–" : x.toFixed(3));
  const plural = (n, word) => `${num(n)} ${word}${n === 1 ? "" : "s"}`;
  const PAGE = 100;
  const T = data.thresholds;

  // Relations by the engine's codes, closest first.
  const REL = ["exact", "near_duplicate", "contained", "shared_passages"];
  const LABEL = ["exact copy", "near-duplicate", "contained", "shared passages"];
  const SHORT = ["exact", "near-duplicate", "contained", "sharing"];
  const COLORS = ["#8250df", "#cf222e", "#bc4c00", "#0969da"];
  // The order the pair table opens in (from the page's writer).
  const RANK = [];
  data.order.forEach((rel, k) => { RANK[rel] = k; });

  const ids = data.ids;
  const idIndex = new Map(ids.map((id, i) => [id, i]));
  const viewOf = (x, y) => {
    const v = data.views[`${x},${y}`];
    if (v) return { view: v, swapped: false };
    const w = data.views[`${y},${x}`];
    return w ? { view: w, swapped: true } : null;
  };
  const pairs = data.pairs.map((p, i) => ({
    i, a: p[0], b: p[1], rel: p[2], j: p[3], aib: p[4], bia: p[5], np: p[6], close: p[7], miss: p[7] === 1 || p[7] === 2,
    open: viewOf(p[0], p[1]) !== null,
  }));
  const pairByKey = new Map(pairs.map((p) => [`${p.a},${p.b}`, p]));

  // A pair's relation in words, with how close it came (the writer's
  // Closeness: 1 and 2 near misses by Jaccard or containment, 3 a pair too
  // short to be judged).
  function relationText(rel, close, j, c) {
    if (rel === null || rel === undefined) return "–";
    if (close === 1) return `shared passages · below threshold, J ${j.toFixed(2)}`;
    if (close === 2) return `shared passages · below threshold, containment ${c.toFixed(2)}`;
    if (close === 3) return "shared passages · too short to judge as a duplicate";
    return LABEL[rel];
  }
  function relationCell(rel, close, j, c) {
    return el("td", { className: `rel rel-${REL[rel]}${close ? " near-miss" : ""}`, textContent: relationText(rel, close, j, c) });
  }
  // A document id, marked kept or removed.
  function docCell(i) {
    const kept = data.kept[i];
    const td = el("td", { className: "doc" }, [el("span", { className: "id", textContent: ids[i] })]);
    if (kept !== null) td.append(" ", el("span", { className: kept ? "tag kept" : "tag removed", textContent: kept ? "kept" : "removed" }));
    return td;
  }

  // --- Summary, notice, totals -------------------------------------------
  const s = data.stats;
  $("summary").textContent = `${plural(s.documents, "document")}: ${num(s.kept)} kept, ${num(s.removed)} removed ` +
    `(${num(s.exact)} exact, ${num(s.near_duplicate)} near-duplicate, ${num(s.contained)} contained); ` +
    `${plural(s.related_pairs, "related pair")}; doublet ${data.version}`;
  const notes = [];
  if (pairs.length < data.total_pairs) {
    notes.push(`This page lists ${num(pairs.length)} of the report's ${num(data.total_pairs)} related pairs, the closest of each relation in equal shares; ` +
      `the histograms count all ${num(data.total_pairs)}. The JSON report (--report FILE) holds every pair, and --html-pairs N lists more here.`);
  }
  const viewCount = Object.keys(data.views).length;
  const openPairs = pairs.filter((p) => p.open).length;
  if (openPairs < pairs.length) {
    notes.push(`Texts are embedded for ${num(openPairs)} of the ${num(pairs.length)} listed pairs (${num(viewCount)} views in all, ` +
      `at most ${(data.text_budget / 1e6).toFixed(0)} MB of text, shared among every relation and the largest clusters); ` +
      `the others show their scores and the command that shows them side by side.`);
  }
  if (notes.length) {
    $("notice").hidden = false;
    for (const n of notes) $("notice").append(el("p", { textContent: n }));
  }
  const rows = [["documents", s.documents], ["kept", s.kept], ["removed", s.removed], ["exact copies removed", s.exact],
    ["near-duplicates removed", s.near_duplicate], ["contained documents removed", s.contained],
    ["clusters with duplicates", s.duplicate_clusters], ["candidate pairs measured", s.candidate_pairs],
    ["related pairs", s.related_pairs], ["pairs sharing passages", s.shared_passage_pairs],
    ["passages shared by 3 or more kept documents", s.reuse_clusters],
    ["kept without judgement (too little content)", s.too_little_content], ["empty documents", s.empty],
    ["records skipped (--skip-invalid)", s.skipped],
    ["bytes read", s.bytes], ["repeated bytes", s.repeated_bytes], ["boilerplate bytes", s.boilerplate_bytes],
    ["duplicate-paragraph bytes", s.duplicate_paragraph_bytes]];
  for (const [k, v] of rows) $("totals").append(el("tr", {}, [el("th", { textContent: k }), el("td", { textContent: num(v) })]));

  // --- Histograms: counts on a log scale, thresholds drawn ----------------
  function histogram(svg, counts, threshold, name) {
    const W = 620, H = 230, left = 52, right = 10, top = 22, bottom = 34;
    const pw = W - left - right, ph = H - top - bottom;
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const bins = counts.length;
    const max = Math.max(1, ...counts.flat());
    const decades = Math.max(1, Math.ceil(Math.log10(max + 0.5)));
    const height = (c) => (c > 0 ? ((1 + Math.log10(c)) / (1 + decades)) * ph : 0);
    const x = (v) => left + v * pw;
    // The near-miss band and the threshold.
    svg.append(svgEl("rect", { x: x(Math.max(0, threshold - T.near_miss)), y: top, width: x(threshold) - x(Math.max(0, threshold - T.near_miss)), height: ph, class: "band" }));
    for (let d = 0; d <= decades; d++) {
      const c = 10 ** d, y = top + ph - height(c);
      svg.append(svgEl("line", { x1: left, x2: W - right, y1: y, y2: y, class: "grid" }));
      svg.append(svgEl("text", { x: left - 6, y: y + 4, "text-anchor": "end", class: "tick" }, num(c)));
    }
    svg.append(svgEl("text", { x: 12, y: top + ph / 2, transform: `rotate(-90 12 ${top + ph / 2})`, "text-anchor": "middle", class: "tick" }, "pairs (log)"));
    const bw = pw / bins, sub = (bw - 2) / REL.length;
    counts.forEach((bin, b) => {
      bin.forEach((c, r) => {
        if (!c) return;
        const h = height(c);
        const rect = svgEl("rect", { x: x(b / bins) + 1 + r * sub, y: top + ph - h, width: Math.max(1, sub - 0.5), height: h, fill: COLORS[r], "data-count": c });
        rect.append(svgEl("title", {}, `${name} ${(b / bins).toFixed(2)}–${((b + 1) / bins).toFixed(2)}: ${plural(c, "pair")}, ${LABEL[r]}`));
        svg.append(rect);
      });
      const total = bin.reduce((t, c) => t + c, 0);
      if (total) svg.append(svgEl("text", { x: x((b + 0.5) / bins), y: top + ph - height(Math.max(...bin)) - 4, "text-anchor": "middle", class: "count" }, compact(total)));
    });
    svg.append(svgEl("line", { x1: left, x2: W - right, y1: top + ph, y2: top + ph, class: "axis" }));
    for (let v = 0; v <= 1.0001; v += 0.2) svg.append(svgEl("text", { x: x(v), y: H - bottom + 16, "text-anchor": "middle", class: "tick" }, v.toFixed(1)));
    svg.append(svgEl("line", { x1: x(threshold), x2: x(threshold), y1: top - 6, y2: top + ph, class: "threshold" }));
    svg.append(svgEl("text", { x: x(threshold) - 4, y: top - 8, "text-anchor": "end", class: "threshold-label" }, `threshold ${threshold.toFixed(2)}`));
    svg.dataset.total = String(counts.flat().reduce((t, c) => t + c, 0));
  }
  function compact(n) {
    return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${Math.round(n / 1e3)}k` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n);
  }
  histogram($("hist-jaccard"), data.histogram.jaccard, T.jaccard, "Jaccard");
  histogram($("hist-containment"), data.histogram.containment, T.containment, "containment");
  REL.forEach((r, i) => $("histogram-legend").append(el("span", { className: "swatch", style: `--c:${COLORS[i]}`, textContent: LABEL[i] })));
  $("histogram-legend").append(el("span", { className: "swatch band-swatch", textContent: `near miss (within ${T.near_miss} below a threshold)` }));

  // --- State in the address: links open the same view ---------------------
  const state = {};
  function readHash() {
    for (const k of Object.keys(state)) delete state[k];
    for (const part of location.hash.replace(/^#/, "").split("&")) {
      const at = part.indexOf("=");
      if (at <= 0) continue;
      const raw = part.slice(at + 1);
      let value = raw;
      try { value = decodeURIComponent(raw); } catch (e) { /* a stray %: the text as typed */ }
      state[part.slice(0, at)] = value;
    }
  }
  function writeHash() {
    const h = Object.entries(state).filter(([, v]) => v !== "" && v !== undefined)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
    history.replaceState(null, "", h ? `#${h}` : location.pathname + location.search);
  }

  // --- A sortable, paged table --------------------------------------------
  // columns: {key, label, cmp(x, y), num}; the first click on a header sorts
  // it in its natural direction, the next reverses it.
  function Table(table, pager, columns, renderRow, stateKey, initial) {
    const t = { rows: [], page: 0, key: initial[0], dir: initial[1] };
    const head = el("tr");
    for (const c of columns) {
      const th = el("th", { textContent: c.label, className: c.num ? "num" : "", title: `sort by ${c.label}` });
      th.dataset.key = c.key;
      th.tabIndex = 0;
      const sort = () => { t.sortBy(c.key); };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", (e) => { if (e.key === "Enter") sort(); });
      head.append(th);
    }
    table.tHead.append(head);
    t.sortBy = (key, dir) => {
      const c = columns.find((x) => x.key === key) || columns[0];
      t.dir = dir || (t.key === c.key ? (t.dir === "asc" ? "desc" : "asc") : c.first || "asc");
      t.key = c.key;
      state[stateKey] = `${t.key}:${t.dir}`;
      writeHash();
      t.show(t.rows, 0);
    };
    t.show = (rows, page) => {
      const c = columns.find((x) => x.key === t.key) || columns[0];
      const sign = t.dir === "desc" ? -1 : 1;
      t.rows = rows.slice().sort((x, y) => sign * c.cmp(x, y) || x.i - y.i);
      t.page = page;
      for (const th of head.children) th.setAttribute("aria-sort", th.dataset.key === t.key ? (t.dir === "asc" ? "ascending" : "descending") : "none");
      t.draw();
    };
    t.draw = () => {
      const body = table.tBodies[0];
      body.textContent = "";
      const start = t.page * PAGE;
      for (const r of t.rows.slice(start, start + PAGE)) renderRow(body, r);
      pager.textContent = "";
      const end = Math.min(t.rows.length, start + PAGE);
      const prev = el("button", { type: "button", textContent: "‹ previous", disabled: t.page === 0 });
      const next = el("button", { type: "button", textContent: "next ›", disabled: end >= t.rows.length });
      prev.addEventListener("click", () => { t.page -= 1; t.draw(); });
      next.addEventListener("click", () => { t.page += 1; t.draw(); });
      pager.append(prev, el("span", { textContent: t.rows.length ? ` rows ${num(start + 1)}–${num(end)} of ${num(t.rows.length)} ` : " no rows match " }), next);
      table.dataset.rows = String(t.rows.length);
    };
    t.goTo = (row) => {
      const at = t.rows.indexOf(row);
      if (at >= 0) { t.page = Math.floor(at / PAGE); t.draw(); }
    };
    return t;
  }
  const by = (f) => (x, y) => { const a = f(x), b = f(y); return a < b ? -1 : a > b ? 1 : 0; };
  const byNum = (f) => (x, y) => (f(x) ?? -1) - (f(y) ?? -1);

  // --- Clusters -----------------------------------------------------------
  const clusters = data.clusters.map(([id, kept, members], i) => ({
    i, id, kept,
    members: members.map(([m, rel, j, c]) => ({ m, rel, j, c })),
    lowest: Math.min(...members.map((m) => (m[2] === null ? 1 : m[2]))),
    rels: new Set(members.map((m) => m[1])),
  }));
  const clusterById = new Map(clusters.map((c) => [String(c.id), c]));
  // Each removed document's cluster.
  const clusterOf = new Map(clusters.flatMap((c) => c.members.map((m) => [m.m, c])));
  const relSummary = (c) => REL.map((r, k) => [k, c.members.filter((m) => m.rel === k).length])
    .filter(([, n]) => n).map(([k, n]) => `${n} ${SHORT[k]}`).join(", ");
  let expanded = null;
  const clusterTable = Table($("clusters"), $("cluster-pager"), [
    { key: "size", label: "documents", num: true, first: "desc", cmp: byNum((c) => c.members.length) },
    { key: "cluster", label: "cluster", num: true, cmp: byNum((c) => c.id) },
    { key: "kept", label: "kept document", cmp: by((c) => ids[c.kept]) },
    { key: "relations", label: "removed as", cmp: by(relSummary) },
    { key: "lowest", label: "lowest jaccard", num: true, cmp: byNum((c) => c.lowest) },
  ], (body, c) => {
    const tr = el("tr", { className: "cluster-row" + (expanded === c ? " open" : "") }, [
      el("td", { className: "num", textContent: num(c.members.length + 1) }),
      el("td", { className: "num", textContent: String(c.id) }),
      docCell(c.kept),
      el("td", { textContent: relSummary(c) }),
      el("td", { className: "num", textContent: score(c.lowest) })]);
    tr.dataset.cluster = String(c.id);
    tr.title = "show the members";
    tr.addEventListener("click", () => { toggleCluster(c); });
    body.append(tr);
    if (expanded === c) body.append(membersRow(c));
  }, "csort", ["size", "desc"]);
  function membersRow(c) {
    const inner = el("table", { className: "members" }, [el("thead", {}, [el("tr", {}, [
      el("th", { textContent: "removed document" }), el("th", { textContent: "relation to the kept one" }),
      el("th", { className: "num", textContent: "jaccard" }), el("th", { className: "num", textContent: "containment" }),
      el("th", { textContent: "" })])])]);
    const tbody = el("tbody");
    for (const m of c.members) {
      const open = viewOf(c.kept, m.m) !== null;
      const tr = el("tr", { className: "member-row" }, [docCell(m.m), relationCell(m.rel, 0, m.j, m.c),
        el("td", { className: "num", textContent: score(m.j) }), el("td", { className: "num", textContent: score(m.c) }),
        el("td", { className: "open", textContent: open ? "side by side ▸" : "scores only" })]);
      tr.dataset.pair = `${ids[c.kept]}|${ids[m.m]}`;
      tr.addEventListener("click", (e) => { e.stopPropagation(); openPair(c.kept, m.m); });
      tbody.append(tr);
    }
    inner.append(tbody);
    const td = el("td", { colSpan: 5 }, [inner]);
    return el("tr", { className: "members-row" }, [td]);
  }
  function toggleCluster(c, keep) {
    expanded = expanded === c && !keep ? null : c;
    state.cluster = expanded ? String(expanded.id) : "";
    writeHash();
    clusterTable.draw();
  }
  for (const [k, label] of LABEL.entries()) $("cluster-relation").append(el("option", { value: String(k), textContent: label }));
  function filterClusters() {
    const q = $("cluster-filter").value.trim(), r = $("cluster-relation").value;
    state.cq = q; state.crel = r; writeHash();
    const hit = (i) => ids[i].includes(q);
    const rows = clusters.filter((c) => (!r || c.rels.has(Number(r))) && (!q || hit(c.kept) || c.members.some((m) => hit(m.m))));
    clusterTable.show(rows, 0);
  }
  $("cluster-filter").addEventListener("input", filterClusters);
  $("cluster-relation").addEventListener("change", filterClusters);

  // --- Pairs --------------------------------------------------------------
  const pairTable = Table($("pairs"), $("pair-pager"), [
    { key: "relation", label: "relation", cmp: (x, y) => RANK[x.rel] - RANK[y.rel] || y.j - x.j },
    { key: "a", label: "a", cmp: by((p) => ids[p.a]) },
    { key: "b", label: "b", cmp: by((p) => ids[p.b]) },
    { key: "jaccard", label: "jaccard", num: true, first: "desc", cmp: byNum((p) => p.j) },
    { key: "a_in_b", label: "a in b", num: true, first: "desc", cmp: byNum((p) => p.aib) },
    { key: "b_in_a", label: "b in a", num: true, first: "desc", cmp: byNum((p) => p.bia) },
    { key: "passages", label: "passages", num: true, first: "desc", cmp: byNum((p) => p.np) },
    { key: "open", label: "texts", cmp: byNum((p) => (p.open ? 0 : 1)) },
  ], (body, p) => {
    const tr = el("tr", { className: "pair-row" }, [relationCell(p.rel, p.close, p.j, Math.max(p.aib, p.bia)), docCell(p.a), docCell(p.b),
      el("td", { className: "num", textContent: score(p.j) }), el("td", { className: "num", textContent: score(p.aib) }),
      el("td", { className: "num", textContent: score(p.bia) }), el("td", { className: "num", textContent: p.rel === 3 ? String(p.np) : "–" }),
      el("td", { className: "open", textContent: p.open ? "side by side ▸" : "scores only" })]);
    tr.dataset.pair = `${ids[p.a]}|${ids[p.b]}`;
    tr.addEventListener("click", () => openPair(p.a, p.b));
    body.append(tr);
  }, "psort", ["relation", "asc"]);
  for (const [k, label] of LABEL.entries()) $("relation-filter").append(el("option", { value: String(k), textContent: label }));
  $("relation-filter").append(el("option", { value: "near_miss", textContent: "near misses (shared passages just below a threshold)" }));
  function filterPairs() {
    const r = $("relation-filter").value, q = $("pair-filter").value.trim(), open = $("pair-texts").checked;
    state.rel = r; state.q = q; writeHash();
    const rows = pairs.filter((p) => (!r || (r === "near_miss" ? p.miss : p.rel === Number(r))) &&
      (!q || ids[p.a].includes(q) || ids[p.b].includes(q)) && (!open || p.open));
    pairTable.show(rows, 0);
  }
  $("relation-filter").addEventListener("change", filterPairs);
  $("pair-filter").addEventListener("input", filterPairs);
  $("pair-texts").addEventListener("change", filterPairs);

  // --- The viewer pane ----------------------------------------------------
  let shown = null;
  function openPair(left, right) {
    state.pair = ids[left];
    state.with = ids[right];
    state.mode = "";
    writeHash();
    show(left, right);
  }
  function closeViewer() {
    $("viewer").hidden = true;
    document.body.classList.remove("viewing");
    delete document.body.dataset.shown;
    shown = null;
    state.pair = ""; state.with = ""; state.mode = ""; writeHash();
  }
  $("viewer-close").addEventListener("click", closeViewer);
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && shown) closeViewer(); });
  for (const b of $("modes").querySelectorAll("button")) {
    b.addEventListener("click", () => { state.mode = b.dataset.mode; writeHash(); if (shown) show(shown[0], shown[1], b.dataset.mode); });
  }

  // What is known of a pair: its row in the report, or a cluster member's
  // scores against its kept document.
  function factsOf(left, right) {
    const p = pairByKey.get(`${left},${right}`) || pairByKey.get(`${right},${left}`);
    if (p) {
      const flip = p.a !== left;
      return { rel: p.rel, close: p.close, j: p.j, leftIn: flip ? p.bia : p.aib, rightIn: flip ? p.aib : p.bia, np: p.np };
    }
    for (const [kept, member] of [[left, right], [right, left]]) {
      const c = clusterOf.get(member);
      const m = c && c.kept === kept && c.members.find((x) => x.m === member);
      if (m) return { rel: m.rel, close: 0, j: m.j, leftIn: null, rightIn: null, member: m };
    }
    return null;
  }

  function show(left, right, mode) {
    const facts = factsOf(left, right);
    const found = viewOf(left, right);
    shown = [left, right];
    $("viewer").hidden = false;
    document.body.classList.add("viewing");
    document.body.dataset.shown = `${ids[left]}|${ids[right]}`;
    const rel = facts ? relationText(facts.rel, facts.close, facts.j ?? 0, Math.max(facts.leftIn ?? 0, facts.rightIn ?? 0)) : "";
    $("viewer-title").textContent = `${ids[left]} and ${ids[right]}${rel ? ": " + rel : ""}`;
    const parts = [];
    if (facts) {
      parts.push(`jaccard ${score(facts.j)}`);
      if (facts.leftIn !== null) parts.push(`${score(facts.leftIn)} of ${ids[left]}'s shingles are in ${ids[right]}`, `${score(facts.rightIn)} of ${ids[right]}'s are in ${ids[left]}`);
      else if (facts.member && facts.member.c !== null) parts.push(`containment ${score(facts.member.c)}`);
      if (facts.rel === 3) parts.push(plural(facts.np, "shared passage"));
    }
    $("viewer-scores").textContent = parts.join("; ");
    const note = $("viewer-note");
    note.hidden = true;
    if (!facts) {
      $("viewer-scores").textContent = left === right ? "the same document twice" : "these two documents are not a related pair in this report";
    }
    if (!found) {
      for (const side of ["left", "right"]) { $(side).querySelector("h3").textContent = ids[side === "left" ? left : right]; $(side).querySelector(".text").textContent = ""; }
      note.hidden = false;
      note.textContent = facts
        ? `The texts of this pair are not in this page. See them side by side with: doublet compare ${quote(ids[left])} ${quote(ids[right])} --input CORPUS`
        : "Only related pairs open here; doublet compare shows any two documents side by side.";
      $("modes").hidden = true;
      $("viewer-legend").textContent = "";
      document.body.dataset.mode = "none";
      return;
    }
    const { view, swapped } = found;
    const hasDiff = Array.isArray(view.d);
    const duplicate = facts && (facts.rel !== 3 || facts.close > 0);
    mode = mode || state.mode || "";
    if (mode !== "diff" && mode !== "passages") mode = hasDiff && (duplicate || !view.p.length) ? "diff" : "passages";
    if (view.d === "long" && (duplicate || mode === "diff")) {
      note.hidden = false;
      note.textContent = `These texts are too long to compare word by word in the page (over ${num(data.max_diff_words)} words); ` +
        `doublet compare ${quote(ids[left])} ${quote(ids[right])} --input CORPUS shows the passages they share.`;
    }
    if (mode === "diff" && !hasDiff) mode = "passages";
    $("modes").hidden = false;
    $("mode-diff").disabled = !hasDiff;
    $("mode-diff").title = hasDiff ? "" : view.d === "long" ? "too long to compare word by word here" : "shown for duplicates and near misses";
    for (const b of $("modes").querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
    document.body.dataset.mode = mode;
    // Spans of the left and right texts, whatever order the view is stored in.
    const sideSpans = (pick) => (swapped ? [pick(1), pick(0)] : [pick(0), pick(1)]);
    let marks;
    if (mode === "diff") {
      const [l, r] = sideSpans((k) => view.d[k]);
      marks = [l.map(([s, e]) => [s, e, "only-left", -1]), r.map(([s, e]) => [s, e, "only-right", -1])];
    } else {
      marks = [[], []];
      view.p.forEach((p, i) => {
        const [l, r] = sideSpans((k) => [p[2 * k], p[2 * k + 1]]);
        marks[0].push([l[0], l[1], "passage", i]);
        marks[1].push([r[0], r[1], "passage", i]);
      });
    }
    const legend = $("viewer-legend");
    legend.textContent = "";
    if (mode === "diff") legend.append(el("span", { className: "only-left", textContent: `only in ${ids[left]}` }), el("span", { className: "only-right", textContent: `only in ${ids[right]}` }));
    else legend.append(el("span", { className: "passage", textContent: "shared passage (click to find its twin)" }));
    legend.append(el("span", { className: "repeated", textContent: "repeated in its document" }), el("span", { className: "boilerplate", textContent: "boilerplate" }));
    paint($("left"), left, marks[0]);
    paint($("right"), right, marks[1]);
  }
  const quote = (id) => (/^[\w.:\/-]+$/.test(id) ? id : `'${id.replace(/'/g, "'\\''")}'`);

  // One document's text with its marks: differences or passages, and the
  // repeated and boilerplate spans.
  function paint(target, i, own) {
    const doc = data.texts[i];
    const kept = data.kept[i];
    target.querySelector("h3").textContent = ids[i] + (kept === null ? "" : kept ? " (kept)" : " (removed)");
    const box = target.querySelector(".text");
    box.textContent = "";
    box.scrollTop = 0;
    if (!doc) { box.textContent = "(text not included in this page)"; return; }
    const [text, repeated, boilerplate] = doc;
    const marks = own.slice();
    for (const [s, e] of repeated) marks.push([s, e, "repeated", -1]);
    for (const [s, e] of boilerplate) marks.push([s, e, "boilerplate", -1]);
    const cuts = new Set([0, text.length]);
    for (const [s, e] of marks) { cuts.add(s); cuts.add(e); }
    const points = [...cuts].sort((x, y) => x - y);
    marks.sort((x, y) => x[0] - y[0]);
    let open = [], next = 0;
    const frag = document.createDocumentFragment();
    for (let k = 0; k + 1 < points.length; k++) {
      const [s, e] = [points[k], points[k + 1]];
      while (next < marks.length && marks[next][0] <= s) open.push(marks[next++]);
      open = open.filter((m) => m[1] > s);
      const covering = open.filter((m) => m[0] <= s && e <= m[1]);
      const piece = text.slice(s, e);
      if (!covering.length) { frag.append(piece); continue; }
      const span = el("span", { className: [...new Set(covering.map((m) => m[2]))].join(" "), textContent: piece });
      const passage = covering.find((m) => m[2] === "passage");
      if (passage) { span.dataset.passage = String(passage[3]); span.title = `shared passage ${passage[3] + 1}`; }
      frag.append(span);
    }
    box.append(frag);
  }
  // A click on a passage scrolls the other side to its twin.
  for (const [from, to] of [["left", "right"], ["right", "left"]]) {
    $(from).addEventListener("click", (e) => {
      const i = e.target.dataset && e.target.dataset.passage;
      if (i === undefined) return;
      const twin = $(to).querySelector(`[data-passage="${i}"]`);
      if (twin) twin.scrollIntoView({ block: "center", behavior: "smooth" });
    });
  }

  // --- Apply the address, now and whenever it changes ---------------------
  function apply() {
    readHash();
    $("relation-filter").value = state.rel || "";
    $("pair-filter").value = state.q || "";
    $("cluster-filter").value = state.cq || "";
    $("cluster-relation").value = state.crel || "";
    const [pk, pd] = (state.psort || "relation:asc").split(":");
    const [ck, cd] = (state.csort || "size:desc").split(":");
    pairTable.key = pk; pairTable.dir = pd === "desc" ? "desc" : "asc";
    clusterTable.key = ck; clusterTable.dir = cd === "asc" ? "asc" : "desc";
    filterPairs();
    expanded = state.cluster ? clusterById.get(state.cluster) || null : null;
    filterClusters();
    if (expanded) clusterTable.goTo(expanded);
    const [l, r] = [idIndex.get(state.pair), idIndex.get(state.with)];
    if (l !== undefined && r !== undefined) show(l, r);
    else if (shown) closeViewer();
  }
  window.addEventListener("hashchange", apply);
  apply();
  document.body.dataset.ready = "1";
  document.body.dataset.ms = String(Math.round(performance.now()));
})();
