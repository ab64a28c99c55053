// Readable results for Accord's query page: what every result view shares (local links
// for the dataset's IRIs, labels, prefixed names, the lazy loading of vendored
// libraries) and YASR's table with compact values, labels and local links.
// Loaded after yasgui.min.js and before ui-views.js, ui-share.js and ui.js.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("accord-config").textContent);
  const ui = (window.accordUI = window.accordUI || {});
  ui.config = config;
  // The endpoint next to this page, so the page works behind any host or path prefix.
  ui.endpoint = config.endpoint || new URL("sparql", document.baseURI).href;
  // "?v=VERSION" of this script, so that lazily loaded files are cached per release too.
  const version = new URL(document.currentScript.src).search;

  /** Load a vendored script once (static/vendor/PATH); resolves when it has run. */
  const loading = new Map();
  ui.load = function (path) {
    if (!loading.has(path)) {
      loading.set(
        path,
        new Promise((resolve, reject) => {
          const script = document.createElement("script");
          script.src = new URL(`static/vendor/${path}${version}`, document.baseURI).href;
          script.onload = () => resolve();
          script.onerror = () => reject(new Error(`could not load ${path}`));
          document.head.appendChild(script);
        }),
      );
    }
    return loading.get(path);
  };

  /** This server's page for an IRI minted under the base IRI, or null. The server serves
   * {base}{rest} at {root}/{rest} (accord.html.Linker); leading slashes are dropped so
   * that {base}/evil.example/x stays on this server, as the pages do. */
  ui.localHref = function (iri) {
    const base = config.base_iri;
    if (!base || typeof iri !== "string" || !iri.startsWith(base)) return null;
    return new URL(iri.slice(base.length).replace(/^[/\\]+/, ""), document.baseURI).href;
  };
  /** Where a link to an IRI goes: its local page, the IRI itself if http(s), or nowhere. */
  ui.href = (iri) => ui.localHref(iri) || (/^https?:\/\//i.test(iri) ? iri : null);

  /** The prefixed name of an IRI (longest matching namespace), or null. */
  ui.curie = function (iri, prefixes) {
    let best = null;
    for (const [prefix, ns] of Object.entries(prefixes || config.prefixes)) {
      if (ns && iri.startsWith(ns) && (!best || ns.length > best[1].length)) best = [prefix, ns];
    }
    if (!best) return null;
    const local = iri.slice(best[1].length);
    return /^[\w.-]*$/.test(local) ? `${best[0]}:${local}` : null;
  };

  // Labels, looked up through the endpoint's own label option (labels=true: the
  // server adds ?s_label, skos:prefLabel before rdfs:label, English first), so that
  // the page and the server agree on what an IRI is called. "" means: has none.
  const labels = new Map();
  const BATCH = 200;
  const MAX_LOOKUPS = 1000;
  const SAFE_IRI = /^[^<>"{}|^`\\\s]+$/;
  ui.label = (iri) => labels.get(iri) || null;
  /** Look up the labels of these IRIs not looked up yet; never rejects (labels are a
   * convenience: a view is drawn without them if the endpoint refuses). */
  ui.fetchLabels = async function (iris) {
    const missing = [...new Set(iris)]
      .filter((iri) => !labels.has(iri) && SAFE_IRI.test(iri))
      .slice(0, MAX_LOOKUPS);
    for (let i = 0; i < missing.length; i += BATCH) {
      const batch = missing.slice(i, i + BATCH);
      const query = `SELECT ?s WHERE { VALUES ?s { ${batch.map((iri) => `<${iri}>`).join(" ")} } }`;
      try {
        const response = await fetch(ui.endpoint, {
          method: "POST",
          headers: { Accept: "application/sparql-results+json" },
          body: new URLSearchParams({ query, labels: "true" }),
        });
        if (!response.ok) return;
        for (const row of (await response.json()).results.bindings) {
          if (row.s_label) labels.set(row.s.value, row.s_label.value);
        }
      } catch (e) {
        return;
      }
      batch.forEach((iri) => labels.has(iri) || labels.set(iri, ""));
    }
  };
  /** The variables the query already selects a label for: ?x beside ?xLabel (Wikidata's
   * convention) or ?x_label (what the endpoint's labels=true adds). */
  ui.labelledColumns = function (results) {
    const vars = (results && results.getVariables()) || [];
    return new Set(vars.filter((v) => vars.includes(`${v}Label`) || vars.includes(`${v}_label`)));
  };
  /** The IRIs bound in a YASR result, outside the variables in `skip` (a Set). */
  ui.iris = function (results, skip) {
    const out = [];
    for (const row of (results && results.getBindings()) || []) {
      for (const [v, term] of Object.entries(row)) {
        if (term && term.type === "uri" && !(skip && skip.has(v))) out.push(term.value);
      }
    }
    return out;
  };
  /** A short readable name for a term: its label, prefixed name, or value. */
  ui.termText = function (term, prefixes) {
    if (!term) return "";
    if (term.type === "uri") return ui.label(term.value) || ui.curie(term.value, prefixes) || term.value;
    if (term.type === "bnode") return `_:${term.value}`;
    return term.value;
  };

  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const NUMERIC = new Set(
    [
      "integer", "decimal", "double", "float", "int", "long", "short", "byte",
      "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
      "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
    ].map((t) => XSD + t),
  );
  const DATED = new Set(["date", "dateTime", "dateTimeStamp", "gYear", "gYearMonth"].map((t) => XSD + t));
  /** Variables whose bound values (at least one) all pass the test. */
  ui.columnsWhere = function (results, test) {
    const rows = (results && results.getBindings()) || [];
    return results.getVariables().filter((v) => {
      const bound = rows.map((r) => r[v]).filter(Boolean);
      return bound.length > 0 && bound.every(test);
    });
  };
  ui.isNumber = (t) => t.type !== "uri" && NUMERIC.has(t.datatype) && !isNaN(Number(t.value));
  ui.isDate = (t) => t.type !== "uri" && DATED.has(t.datatype) && ui.toTime(t) !== null;
  /** Milliseconds since 1970 of an xsd:date, dateTime, gYear or gYearMonth (UTC), or null. */
  ui.toTime = function (term) {
    const m = /^(-?\d{4,})(?:-(\d{2}))?(?:-(\d{2}))?(T[^Z+-]*(?:Z|[+-]\d{2}:\d{2})?)?/.exec(term.value);
    if (!m) return null;
    if (m[4]) {
      const t = Date.parse(term.value);
      return isNaN(t) ? null : t;
    }
    const d = new Date(Date.UTC(0, Number(m[2] || 1) - 1, Number(m[3] || 1)));
    d.setUTCFullYear(Number(m[1]));
    return d.getTime();
  };

  const escape = (text) =>
    String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  ui.escape = escape;

  // YASR's table, readable by default: "Simple view" on (prefixed names, literals
  // without quotes, language tags or datatypes), no ellipsis cutting, each IRI's label
  // beside it (unless the query selects a label column for it), and the dataset's IRIs
  // linking to this server's pages. The switches stay: a visitor who turns them off
  // keeps that choice (YASR stores it per tab).
  const Table = Yasgui.Yasr.plugins.table;
  class ReadableTable extends Table {
    async draw(persistentConfig) {
      const token = (this.accordDraws = (this.accordDraws || 0) + 1);
      await ui.fetchLabels(ui.iris(this.yasr.results, ui.labelledColumns(this.yasr.results)));
      if (token !== this.accordDraws) return; // a newer draw started meanwhile
      return super.draw({ compact: true, isEllipsed: false, ...persistentConfig });
    }
    /** YASR's columns; the cells of a column with its own label column get no label. */
    getColumns() {
      const labelled = ui.labelledColumns(this.yasr.results);
      return super.getColumns().map((column) => {
        if (!labelled.has(column.name)) return column;
        const render = column.render;
        return {
          ...column,
          render: (...args) => {
            this.unlabelled = true;
            try {
              return render(...args);
            } finally {
              this.unlabelled = false;
            }
          },
        };
      });
    }
    getUriLinkFromBinding(binding, prefixes) {
      const iri = binding.value;
      const curie = ui.curie(iri, prefixes);
      const href = ui.href(iri);
      const shown = escape(curie || iri);
      const title = `title="${escape(iri)}"`;
      let html = href
        ? `<a class="iri" href="${escape(href)}" ${title}>${shown}</a>`
        : `<span class="iri" ${title}>${shown}</span>`;
      if (!curie && !this.persistentConfig.compact) html = `&lt;${html}&gt;`;
      const label = this.unlabelled ? null : ui.label(iri);
      if (label) html += ` <span class="accord-label">${escape(label)}</span>`;
      // YASR's sanitizer opens links in a new window (target=_blank, rel=noopener).
      return this.yasr.utils.sanitize(html);
    }
  }
  Yasgui.Yasr.registerPlugin("table", ReadableTable);
})();
