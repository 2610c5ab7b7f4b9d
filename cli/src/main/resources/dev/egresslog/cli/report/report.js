// egresslog report: draws the charts and tables of the data embedded in the page (no network).
(function () {
  "use strict";
  var errors = 0;
  window.addEventListener("error", function () { errors++; document.body.dataset.errors = errors; });
  var consoleError = console.error;
  console.error = function () { errors++; document.body.dataset.errors = errors; consoleError.apply(console, arguments); };

  var data = JSON.parse(document.getElementById("data").textContent);
  var COLORS = {complete: "#2e7d32", denied: "#c62828", upstream_failed: "#ef6c00", gateway_failed: "#6a1b9a",
    sidecar_failed: "#ad1457", bypass: "#1565c0", non_mesh: "#546e7a", partial: "#9e9d24"};
  var PALETTE = ["#1565c0", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#9e9d24", "#546e7a", "#ad1457", "#4e342e"];

  function color(name, i) { return COLORS[name] || PALETTE[i % PALETTE.length]; }

  function bytes(n) {
    if (n === null || n === undefined) { return "-"; }
    var units = ["B", "KB", "MB", "GB", "TB"], i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
  }

  function pivot(rows, xKey, seriesKey, yKey) {
    var xs = [], names = [], seenX = {}, seenS = {}, cells = {};
    rows.forEach(function (r) {
      if (!(r[xKey] in seenX)) { seenX[r[xKey]] = true; xs.push(r[xKey]); }
      if (!(r[seriesKey] in seenS)) { seenS[r[seriesKey]] = true; names.push(r[seriesKey]); }
      cells[r[seriesKey] + "\u0000" + r[xKey]] = r[yKey];
    });
    xs.sort(function (a, b) { return a - b; });
    var series = names.map(function (name) {
      return xs.map(function (x) { var v = cells[name + "\u0000" + x]; return v === undefined ? null : v; });
    });
    return {xs: xs, names: names, series: series};
  }

  function chart(id, title, p, opts) {
    var box = document.getElementById(id);
    var points = 0;
    p.series.forEach(function (s) { s.forEach(function (v) { if (v !== null) { points++; } }); });
    box.dataset.points = points;
    if (points === 0) {
      box.appendChild(document.createTextNode("No data in this span."));
      return;
    }
    var series = [{label: opts.xLabel}].concat(p.names.map(function (name, i) {
      var s = {label: String(name), stroke: color(name, i), width: 1.5, spanGaps: !!opts.spanGaps,
        // few points (a short span, or sparse failures): show them, as a line between two points hides a lone one
        points: {show: opts.pointsShown || p.xs.length <= 60}};
      if (opts.bars) { s.paths = uPlot.paths.stepped({align: 1}); }
      return s;
    }));
    var x = {};
    if (opts.xValues) { x.values = opts.xValues; }
    var axes = [x, {label: opts.yLabel, size: 60}];
    new uPlot({title: title, width: 1000, height: 280, series: series, axes: axes,
      scales: {x: {time: !!opts.time}}, legend: {live: false}}, [p.xs].concat(p.series), box);
  }

  function table(id, rows, columns) {
    var box = document.getElementById(id);
    box.dataset.rows = rows.length;
    if (rows.length === 0) {
      box.appendChild(document.createTextNode("None in this span."));
      return;
    }
    var t = document.createElement("table"), head = t.createTHead().insertRow();
    columns.forEach(function (c) { var th = document.createElement("th"); th.textContent = c[1]; head.appendChild(th); });
    var body = t.createTBody();
    rows.forEach(function (r) {
      var tr = body.insertRow();
      columns.forEach(function (c) {
        var td = tr.insertCell(), v = r[c[0]];
        td.textContent = c[2] ? c[2](v) : (v === null || v === undefined ? "-" : v);
        if (c[0] === "tunnel_id") { td.className = "id"; td.title = "egresslog explain " + v; }
      });
    });
    box.appendChild(t);
  }

  var span = data.span;
  document.getElementById("summary").textContent = span.tunnels.toLocaleString() + " tunnel rows" +
    (span.first_ms ? ", " + new Date(span.first_ms).toISOString() + " to " + new Date(span.last_ms).toISOString() : "") +
    "; " + data.by_status.map(function (s) { return s.status + " " + s.n.toLocaleString(); }).join(", ") +
    ". Times in UTC; one point per " + (data.bucket_seconds / 60) + " min.";

  var adviceList = document.getElementById("advice");
  adviceList.dataset.rows = data.advice.length;
  if (data.advice.length === 0) {
    adviceList.appendChild(document.createTextNode("Nothing: the data shows no gap that a setting would close."));
  }
  data.advice.forEach(function (a) { var li = document.createElement("li"); li.textContent = a.text; li.dataset.kind = a.kind; adviceList.appendChild(li); });

  var perBucket = pivot(data.per_bucket, "t", "status", "n");
  chart("per-status", "Tunnels by status", perBucket, {time: true, xLabel: "time", yLabel: "tunnels", bars: true});
  var failing = ["denied", "upstream_failed", "gateway_failed", "sidecar_failed"];
  chart("failures", "Failures by hop (denied and upstream_failed: Squid; gateway_failed: gateway to Squid; sidecar_failed: sidecar to gateway)",
    pivot(data.per_bucket.filter(function (r) { return failing.indexOf(r.status) >= 0; }), "t", "status", "n"),
    {time: true, xLabel: "time", yLabel: "tunnels", bars: true});
  var pow = function (unit) { return function (u, ticks) { return ticks.map(function (k) { return k % 1 === 0 ? bytes(Math.pow(2, k)).replace("B", unit) : ""; }); }; };
  chart("durations", "Duration per status (tunnels per power-of-two bucket)", pivot(data.durations, "k", "status", "n"),
    {xLabel: "duration", yLabel: "tunnels", bars: true, xValues: function (u, ticks) {
      return ticks.map(function (k) { if (k % 1 !== 0) { return ""; } var ms = Math.pow(2, k); return ms < 1000 ? ms + " ms" : ms < 60000 ? (ms / 1000).toFixed(0) + " s" : (ms / 60000).toFixed(0) + " min"; }); }});
  chart("bytes", "Bytes down per status (tunnels per power-of-two bucket)", pivot(data.bytes, "k", "status", "n"),
    {xLabel: "bytes down", yLabel: "tunnels", bars: true, xValues: pow("B")});
  var offsets = data.squid_offsets.map(function (r) { return {squid: r.squid, t: r.t, s: r.offset_ms / 1000}; });
  chart("offsets", "Each Squid's clock offset (squid - mesh), as its joins measured it: a slope is drift",
    pivot(offsets, "t", "squid", "s"), {time: true, xLabel: "time", yLabel: "seconds", spanGaps: true, pointsShown: true});
  chart("scores", "Join scores per kind of evidence (tunnels per 0.05 of score)", pivot(data.scores, "b", "kind", "n"),
    {xLabel: "score", yLabel: "joins", bars: true, xValues: function (u, ticks) { return ticks.map(function (b) { return (b / 20).toFixed(2); }); }});

  var models = {};
  data.squid_offsets.forEach(function (r) { models[r.squid] = (models[r.squid] || 0) + r.joins; });
  table("models", Object.keys(models).sort().map(function (k) { return {squid: k, joins: models[k]}; }),
    [["squid", "Squid log"], ["joins", "joins its clock model made"]]);
  var noPort = 0, all = 0;
  data.proxy_keys.forEach(function (r) { all += r.n; if (r.without_port) { noPort += r.n; } });
  document.getElementById("time-alone").textContent = all === 0 ? "No hop was joined with a Squid line." :
    noPort.toLocaleString() + " of " + all.toLocaleString() + " hop-to-Squid joins rest on time and bytes alone " +
    "(Squid's logformat has no %>p, so the client port could not confirm them).";
  table("proxy-keys", data.proxy_keys, [["key", "evidence"], ["n", "joins"], ["without_port", "time and bytes only"]]);

  var money = [["bytes_up", "bytes up", bytes], ["bytes_down", "bytes down", bytes]];
  table("top-pods", data.top_pods, [["client", "pod (else IP)"], ["namespace", "namespace"], ["tunnels", "tunnels"]]
    .concat(money).concat([["denied", "denied"], ["failed", "failed"]]));
  table("top-targets", data.top_targets, [["target", "target"], ["tunnels", "tunnels"]].concat(money)
    .concat([["denied", "denied"], ["failed", "failed"]]));
  table("denials", data.denials, [["client", "pod (else IP)"], ["target", "target"], ["n", "denials"],
    ["first_seen", "first seen"], ["last_seen", "last seen"], ["tunnel_id", "a tunnel_id"]]);
  table("bypasses", data.bypasses, [["client", "pod (else IP)"], ["proxy_address", "proxy"], ["target", "target"],
    ["start_time", "start"], ["tunnel_id", "tunnel_id"]]);
  document.body.dataset.ready = "yes";
  document.body.dataset.errors = errors;
})();
