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
  const COLORS = { exact: "#8250df", near_duplicate: "#cf222e", contained: "#bc4c00", shared_passages: "#0969da" };
  const PAGE = 100;

  // Summary and totals.
  const s = data.stats;
  $("summary").textContent = `${s.documents.toLocaleString()} documents: ${s.kept.toLocaleString()} kept, ` +
    `${s.removed.toLocaleString()} removed; doublet ${data.version}`;
  const rows = [["documents", s.documents], ["kept", s.kept], ["removed", s.removed], ["exact duplicates", s.exact],
    ["near-duplicates", s.near_duplicate], ["contained", s.contained], ["clusters with duplicates", s.duplicate_clusters],
    ["pairs sharing passages", s.shared_passage_pairs], ["bytes read", s.bytes], ["repeated bytes", s.repeated_bytes],
    ["boilerplate bytes", s.boilerplate_bytes]];
  for (const [k, v] of rows) $("totals").append(el("tr", {}, [el("th", { textContent: k }), el("td", { textContent: Number(v).toLocaleString() })]));

  // Histogram of pair similarities, stacked by relation.
  (function histogram() {
    const bins = 20, svg = $("histogram"), W = 900, H = 160, pad = 24;
    const rels = Object.keys(COLORS);
    const counts = Array.from({ length: bins }, () => Object.fromEntries(rels.map((r) => [r, 0])));
    for (const p of data.pairs) counts[Math.min(bins - 1, Math.floor(p.jaccard * bins))][p.relation] += 1;
    const max = Math.max(1, ...counts.map((c) => rels.reduce((t, r) => t + c[r], 0)));
    svg.setAttribute("viewBox", `0 0 ${W} ${H + pad}`);
    const ns = "http://www.w3.org/2000/svg";
    const bw = W / bins;
    counts.forEach((c, i) => {
      let y = H;
      for (const r of rels) {
        if (!c[r]) continue;
        const h = (c[r] / max) * (H - 10);
        y -= h;
        const rect = document.createElementNS(ns, "rect");
        rect.setAttribute("x", i * bw + 1); rect.setAttribute("y", y);
        rect.setAttribute("width", bw - 2); rect.setAttribute("height", h);
        rect.setAttribute("fill", COLORS[r]);
        const t = document.createElementNS(ns, "title");
        t.textContent = `${(i / bins).toFixed(2)}–${((i + 1) / bins).toFixed(2)}: ${c[r]} ${r}`;
        rect.append(t); svg.append(rect);
      }
    });
    for (const x of [0, 0.25, 0.5, 0.75, 1]) {
      const t = document.createElementNS(ns, "text");
      t.setAttribute("x", Math.min(W - 20, x * W)); t.setAttribute("y", H + 16); t.setAttribute("font-size", "12");
      t.textContent = x.toFixed(2); svg.append(t);
    }
    for (const r of rels) $("histogram-legend").append(el("span", { textContent: r.replace("_", " "), style: `color:${COLORS[r]}` }));
  })();

  // Clusters, a page at a time.
  let clusterShown = 0, clusterList = data.clusters;
  function renderClusters(reset) {
    if (reset) { $("clusters").textContent = ""; clusterShown = 0; }
    for (const [kept, members] of clusterList.slice(clusterShown, clusterShown + PAGE)) {
      const li = el("li", {}, [el("span", { className: "kept", textContent: kept }), " kept; removed: "]);
      members.forEach((m, i) => li.append(el("span", { className: "member", textContent: (i ? ", " : "") + m })));
      $("clusters").append(li);
    }
    clusterShown += PAGE;
    $("more-clusters").hidden = clusterShown >= clusterList.length;
  }
  $("cluster-filter").addEventListener("input", (e) => {
    const q = e.target.value.trim();
    clusterList = q ? data.clusters.filter(([k, m]) => k.includes(q) || m.some((x) => x.includes(q))) : data.clusters;
    renderClusters(true);
  });
  $("more-clusters").addEventListener("click", () => renderClusters(false));
  renderClusters(true);

  // Pairs, filtered and paged; a click opens the side-by-side view.
  const relations = [...new Set(data.pairs.map((p) => p.relation))];
  for (const r of relations) $("relation-filter").append(el("option", { value: r, textContent: r.replace("_", " ") }));
  let pairList = data.pairs, pairShown = 0, selected = null;
  function renderPairs(reset) {
    const body = $("pairs").tBodies[0];
    if (reset) { body.textContent = ""; pairShown = 0; }
    for (const p of pairList.slice(pairShown, pairShown + PAGE)) {
      const tr = el("tr", {}, [
        el("td", { className: "rel-" + p.relation, textContent: p.relation.replace("_", " ") }),
        el("td", { textContent: p.a }), el("td", { textContent: p.b }),
        el("td", { className: "num", textContent: p.jaccard.toFixed(3) }),
        el("td", { className: "num", textContent: p.a_in_b.toFixed(3) }),
        el("td", { className: "num", textContent: p.b_in_a.toFixed(3) }),
        el("td", { className: "num", textContent: String(p.passages.length) })]);
      tr.addEventListener("click", () => { show(p); if (selected) selected.classList.remove("selected"); selected = tr; tr.classList.add("selected"); });
      body.append(tr);
    }
    pairShown += PAGE;
    $("more-pairs").hidden = pairShown >= pairList.length;
  }
  function filterPairs() {
    const r = $("relation-filter").value, q = $("pair-filter").value.trim();
    pairList = data.pairs.filter((p) => (!r || p.relation === r) && (!q || p.a.includes(q) || p.b.includes(q)));
    renderPairs(true);
  }
  $("relation-filter").addEventListener("change", filterPairs);
  $("pair-filter").addEventListener("input", filterPairs);
  $("more-pairs").addEventListener("click", () => renderPairs(false));
  renderPairs(true);

  // Render one document's text with passages, repeated and boilerplate spans.
  function render(target, id, passages, side) {
    const doc = data.docs[id];
    target.querySelector("h3").textContent = id;
    const box = target.querySelector(".text");
    box.textContent = "";
    if (!doc) { box.textContent = "(text not included in this report)"; return; }
    const marks = [];
    for (const [s, e] of doc.repeated) marks.push([s, e, "repeated", -1]);
    for (const [s, e] of doc.boilerplate) marks.push([s, e, "boilerplate", -1]);
    passages.forEach((p, i) => marks.push([side === "a" ? p[0] : p[2], side === "a" ? p[1] : p[3], "passage", i]));
    const cuts = new Set([0, doc.text.length]);
    for (const [s, e] of marks) { cuts.add(s); cuts.add(e); }
    const points = [...cuts].sort((x, y) => x - y);
    for (let k = 0; k + 1 < points.length; k++) {
      const [s, e] = [points[k], points[k + 1]];
      const covering = marks.filter(([ms, me]) => ms <= s && e <= me);
      const piece = doc.text.slice(s, e);
      if (!covering.length) { box.append(piece); continue; }
      const span = el("span", { className: [...new Set(covering.map((m) => m[2]))].join(" "), textContent: piece });
      const passage = covering.find((m) => m[2] === "passage");
      if (passage) { span.dataset.passage = String(passage[3]); span.title = `shared passage ${passage[3] + 1}`; }
      box.append(span);
    }
  }
  function show(p) {
    $("viewer-title").textContent = `${p.a} and ${p.b}: ${p.relation.replace("_", " ")}, jaccard ${p.jaccard.toFixed(3)}, ` +
      `${p.passages.length} shared passage${p.passages.length === 1 ? "" : "s"}`;
    render($("left"), p.a, p.passages, "a");
    render($("right"), p.b, p.passages, "b");
    document.body.dataset.shown = `${p.a}|${p.b}`;
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
  const first = data.pairs.find((p) => p.relation === "shared_passages") || data.pairs[0];
  if (first) show(first);
  document.body.dataset.ready = "1";
})();
