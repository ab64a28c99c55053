// Result views beyond the table, as YASR plugins: a bar/line chart and a timeline
// (Chart.js with its date-fns adapter) and a node-link graph (Cytoscape.js). The
// libraries are vendored under static/vendor/ and loaded the first time a view is drawn.
// Loaded after ui-results.js (window.accordUI).
(function () {
  "use strict";

  const ui = window.accordUI;
  const Yasr = Yasgui.Yasr;
  //: At most this many rows are charted, and this many statements drawn as a graph.
  const MAX_ROWS = 500;
  const MAX_EDGES = 1500;
  //: Graphs of at most this many nodes are laid out by forces (cose) after the rings.
  const MAX_FORCED = 400;
  //: Layout options that keep nodes and their labels apart.
  const SPACED = { padding: 30, nodeDimensionsIncludeLabels: true, avoidOverlap: true, minNodeSpacing: 24 };
  const INK = "#1d3557";
  const ACCENT = "#457b9d";
  const PALETTE = ["#457b9d", "#e63946", "#2a9d8f", "#e9c46a", "#6d597a", "#f4a261", "#264653", "#8ab17d"];

  function icon(paths) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    for (const d of paths) {
      const path = document.createElementNS(ns, "path");
      path.setAttribute("d", d);
      svg.appendChild(path);
    }
    return svg;
  }

  function box(yasr, height) {
    const div = document.createElement("div");
    div.className = "accord-view";
    div.style.height = height;
    yasr.resultsEl.appendChild(div);
    return div;
  }

  /** A labelled <select> in YASR's plugin controls; onChange gets the chosen value. */
  function selectControl(yasr, label, options, value, onChange) {
    const wrapper = document.createElement("label");
    wrapper.className = "accord-view-control";
    wrapper.append(`${label} `);
    const select = document.createElement("select");
    for (const [v, text] of options) {
      const option = document.createElement("option");
      option.value = v;
      option.textContent = text;
      option.selected = v === value;
      select.appendChild(option);
    }
    select.addEventListener("change", () => onChange(select.value));
    wrapper.appendChild(select);
    yasr.pluginControls.appendChild(wrapper);
    return wrapper;
  }

  class ChartJsView {
    constructor(yasr) {
      this.yasr = yasr;
      this.chart = undefined;
      this.controls = undefined;
    }
    initialize() {
      return ui.load("chartjs/chart.umd.min.js").then(() => ui.load("chartjs/chartjs-adapter-date-fns.bundle.min.js"));
    }
    rows() {
      return (this.yasr.results.getBindings() || []).slice(0, MAX_ROWS);
    }
    async draw(persistentConfig) {
      const token = (this.draws = (this.draws || 0) + 1);
      await ui.fetchLabels(ui.iris(this.yasr.results));
      if (token !== this.draws) return;
      this.destroy();
      this.settings = { ...this.defaults, ...persistentConfig };
      this.drawControls();
      const canvas = document.createElement("canvas");
      const spec = this.spec();
      box(this.yasr, spec.height).appendChild(canvas);
      spec.options = { responsive: true, maintainAspectRatio: false, animation: false, ...spec.options };
      this.chart = new Chart(canvas, spec);
    }
    drawControls() {}
    destroy() {
      if (this.chart) this.chart.destroy();
      this.chart = undefined;
      if (this.controls) this.controls.remove();
      this.controls = undefined;
    }
  }

  const CHART_TYPES = [["bar", "Bar"], ["line", "Line"]];
  // A bar or line chart: one series per numeric column, against the first other column
  // (its labels for IRIs), e.g. SELECT ?state (COUNT(?c) AS ?commitments) ... GROUP BY ?state.
  class ChartView extends ChartJsView {
    constructor(yasr) {
      super(yasr);
      this.label = "Chart";
      this.priority = 5;
      this.defaults = { type: "bar" };
    }
    getIcon() {
      return icon(["M4 20h16v-2H4zM6 16h3V8H6zm5 0h3V4h-3zm5 0h3v-6h-3z"]);
    }
    canHandleResults() {
      const r = this.yasr.results;
      return !!r && r.getType() !== "ttl" && !!(r.getBindings() || []).length && ui.columnsWhere(r, ui.isNumber).length > 0;
    }
    /** The chart's stored settings (YASR keeps them per tab). */
    stored() {
      return { ...this.defaults, ...(this.yasr.config.plugins.chart.dynamicConfig || {}) };
    }
    // A permalink carries the chart's type: #query=...&view=chart&chart=line.
    linkSettings() {
      return { chart: this.stored().type };
    }
    applyLinkSettings(params) {
      const type = params.get("chart");
      if (CHART_TYPES.some(([t]) => t === type)) this.yasr.storePluginConfig("chart", { ...this.stored(), type });
    }
    drawControls() {
      this.controls = selectControl(this.yasr, "Chart", CHART_TYPES, this.settings.type, (type) => {
        this.yasr.storePluginConfig("chart", { ...this.settings, type });
        this.draw({ ...this.settings, type });
      });
    }
    spec() {
      const results = this.yasr.results;
      const prefixes = this.yasr.getPrefixes();
      const numeric = ui.columnsWhere(results, ui.isNumber);
      const category = results.getVariables().find((v) => !numeric.includes(v));
      const rows = this.rows();
      const integers = rows.every((row) => numeric.every((v) => !row[v] || Number.isInteger(Number(row[v].value))));
      return {
        type: this.settings.type === "line" ? "line" : "bar",
        height: "min(60vh, 32rem)",
        data: {
          labels: rows.map((row, i) => (category ? ui.termText(row[category], prefixes) : String(i + 1))),
          datasets: numeric.map((v, i) => ({
            label: v,
            data: rows.map((row) => (row[v] ? Number(row[v].value) : null)),
            backgroundColor: PALETTE[i % PALETTE.length],
            borderColor: PALETTE[i % PALETTE.length],
          })),
        },
        // Counts get whole-number ticks.
        options: { scales: { y: { beginAtZero: true, ticks: integers ? { precision: 0 } : {} } } },
      };
    }
  }

  // A timeline of dated rows: each row a point at its first date column (xsd:date,
  // dateTime, gYear, gYearMonth), or a bar from it to a second one, on a line named after
  // the row's first other column.
  class TimelineView extends ChartJsView {
    constructor(yasr) {
      super(yasr);
      this.label = "Timeline";
      this.priority = 4;
      this.defaults = {};
    }
    getIcon() {
      return icon(["M3 11h18v2H3z", "M6 7h2v10H6zm5 3h2v4h-2zm5-5h2v14h-2z"]);
    }
    canHandleResults() {
      const r = this.yasr.results;
      return !!r && r.getType() !== "ttl" && !!(r.getBindings() || []).length && ui.columnsWhere(r, ui.isDate).length > 0;
    }
    spec() {
      const results = this.yasr.results;
      const prefixes = this.yasr.getPrefixes();
      const dates = ui.columnsWhere(results, ui.isDate);
      const [start, end] = dates;
      const name = results.getVariables().find((v) => !dates.includes(v));
      const points = [];
      for (const row of this.rows()) {
        if (!row[start]) continue;
        const x = ui.toTime(row[start]);
        const x2 = end && row[end] ? ui.toTime(row[end]) : null;
        const y = name ? ui.termText(row[name], prefixes) || "(none)" : start;
        points.push({ x: x2 === null ? x : [x, x2], y, when: [row[start].value, end && row[end] ? row[end].value : null] });
      }
      const lines = [...new Set(points.map((p) => p.y))];
      // A day's margin either side at least, so that one day's events are not shown by hour.
      const times = points.flatMap((p) => (Array.isArray(p.x) ? p.x : [p.x]));
      const DAY = 864e5;
      const pad = Math.max(DAY, (Math.max(...times) - Math.min(...times)) * 0.05);
      const ranges = points.filter((p) => Array.isArray(p.x));
      const dots = points.filter((p) => !Array.isArray(p.x));
      const datasets = [];
      if (dots.length) {
        datasets.push({ type: "scatter", label: start, data: dots, backgroundColor: ACCENT, pointRadius: 5, pointHoverRadius: 7 });
      }
      if (ranges.length) {
        datasets.push({
          type: "bar", indexAxis: "y", label: `${start} – ${end}`, data: ranges, backgroundColor: PALETTE[1], barThickness: 10,
        });
      }
      return {
        type: "scatter",
        height: `${Math.min(Math.max(lines.length * 26 + 90, 240), 2000)}px`,
        data: { datasets },
        options: {
          scales: {
            x: {
              type: "time", position: "top", min: Math.min(...times) - pad, max: Math.max(...times) + pad,
              time: { minUnit: "day", tooltipFormat: "yyyy-MM-dd" },
            },
            y: { type: "category", labels: lines, offset: true },
          },
          plugins: {
            tooltip: {
              callbacks: {
                label: (item) => {
                  const [from, to] = item.raw.when;
                  return `${item.raw.y}: ${to ? `${from} – ${to}` : from}`;
                },
              },
            },
          },
        },
      };
    }
  }

  // A node-link graph: the statements of a CONSTRUCT or DESCRIBE answer, or for a SELECT
  // an edge between consecutive IRI columns of each row (?s ?p ?o rows as statements).
  // Nodes show labels; the dataset's nodes are filled; a double click opens a node's page.
  class GraphView {
    constructor(yasr) {
      this.yasr = yasr;
      this.label = "Graph";
      this.priority = 3;
      this.cy = undefined;
    }
    initialize() {
      return ui.load("cytoscape/cytoscape.min.js");
    }
    getIcon() {
      return icon([
        "M6 4a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5zm12 0a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5zM12 15a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5z",
        "M7.2 8.3l4 7.4 1.7-.9-4-7.4zm9.6 0l-4 7.4-1.7-.9 4-7.4zM8 6h8v1.5H8z",
      ]);
    }
    /** [subject, predicate label, object] for each edge, as terms and a string. */
    statements() {
      const results = this.yasr.results;
      const rows = results.getBindings() || [];
      const vars = results.getVariables();
      const named = (names) => vars.find((v) => names.includes(v));
      const [s, p, o] = [named(["subject", "s"]), named(["predicate", "p"]), named(["object", "o"])];
      const prefixes = this.yasr.getPrefixes();
      const out = [];
      if (s && p && o) {
        for (const row of rows) {
          if (row[s] && row[p] && row[o]) out.push([row[s], ui.curie(row[p].value, prefixes) || row[p].value, row[o]]);
        }
        return out;
      }
      for (const row of rows) {
        const linked = vars.filter((v) => row[v] && row[v].type === "uri");
        for (let i = 1; i < linked.length; i++) out.push([row[linked[i - 1]], linked[i], row[linked[i]]]);
      }
      return out;
    }
    canHandleResults() {
      return !!this.yasr.results && this.statements().length > 0;
    }
    async draw() {
      const token = (this.draws = (this.draws || 0) + 1);
      const all = this.statements();
      const statements = all.slice(0, MAX_EDGES);
      await ui.fetchLabels(statements.flatMap(([a, , b]) => [a, b]).filter((t) => t.type === "uri").map((t) => t.value));
      if (token !== this.draws) return;
      this.destroy();
      const prefixes = this.yasr.getPrefixes();
      const nodes = new Map();
      const node = (term, i) => {
        const id = term.type === "literal" ? `literal ${i}` : `${term.type} ${term.value}`;
        if (!nodes.has(id)) {
          const href = term.type === "uri" ? ui.href(term.value) : null;
          const kind = term.type === "literal" ? "literal" : ui.localHref(term.value) ? "local" : "other";
          nodes.set(id, { data: { id, label: ui.termText(term, prefixes), href, kind, iri: term.type === "uri" ? term.value : null } });
        }
        return id;
      };
      const edges = statements.map(([a, label, b], i) => ({
        data: { id: `edge ${i}`, source: node(a, i), target: node(b, i), label },
      }));
      const container = box(this.yasr, "min(70vh, 40rem)");
      if (all.length > statements.length) {
        const note = document.createElement("p");
        note.className = "accord-view-note";
        note.textContent = `The first ${statements.length} of ${all.length} statements.`;
        this.yasr.resultsEl.insertBefore(note, container);
      }
      this.cy = cytoscape({
        container,
        elements: [...nodes.values(), ...edges],
        wheelSensitivity: 0.3,
        // Rings by degree (a DESCRIBE's subject in the middle, what it links to around
        // it), spaced so that no node or label covers another; then forces, below.
        layout: { name: "concentric", animate: false, ...SPACED, concentric: (n) => n.degree(), levelWidth: () => 1 },
        style: [
          {
            selector: "node",
            style: {
              label: "data(label)", "font-size": 10, color: "#222", "text-wrap": "ellipsis", "text-max-width": "140px",
              "text-valign": "bottom", "text-margin-y": 3, width: 14, height: 14, "background-color": "#a8bccc",
            },
          },
          { selector: 'node[kind = "local"]', style: { "background-color": ACCENT } },
          { selector: 'node[kind = "literal"]', style: { shape: "round-rectangle", "background-color": "#e0e4ea", width: 10, height: 10 } },
          {
            selector: "edge",
            style: {
              label: "data(label)", "font-size": 8, color: "#555", width: 1, "line-color": "#9aa9b8", "curve-style": "bezier",
              "target-arrow-shape": "triangle", "target-arrow-color": "#9aa9b8", "text-rotation": "autorotate",
              "text-background-color": "#fff", "text-background-opacity": 0.7,
            },
          },
          { selector: "node:selected", style: { "border-width": 2, "border-color": INK } },
        ],
      });
      // Then, for a graph small enough, forces from there (deterministic: no random
      // start), which bring linked nodes together. Forces alone, from no start positions
      // (every node at one point), left a DESCRIBE's subject, its owl:sameAs and its
      // label on top of each other.
      if (nodes.size <= MAX_FORCED) {
        this.cy.layout({
          name: "cose", animate: false, randomize: false, ...SPACED,
          idealEdgeLength: () => 70, nodeRepulsion: () => 400000, nodeOverlap: 100, componentSpacing: 80,
        }).run();
      }
      // A small answer is shown at its natural size, not blown up to fill the box.
      if (this.cy.zoom() > 1.5) {
        this.cy.zoom(1.5);
        this.cy.center();
      }
      this.cy.on("dbltap", "node", (event) => {
        const href = event.target.data("href");
        if (href) window.open(href, "_blank", "noopener");
      });
    }
    destroy() {
      if (this.cy) this.cy.destroy();
      this.cy = undefined;
    }
  }

  Yasr.registerPlugin("chart", ChartView);
  Yasr.registerPlugin("timeline", TimelineView);
  Yasr.registerPlugin("graph", GraphView);
  Yasr.defaults.pluginOrder = ["table", "chart", "timeline", "graph", "response"];
})();
