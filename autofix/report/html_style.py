"""The HTML report's stylesheet (inline; no web font, no external asset)."""

from __future__ import annotations

CSS = """
:root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --mute: #57606a; --line: #d0d7de;
  --soft: #f6f8fa; --link: #0969da; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
  margin: 0 auto; padding: 24px 32px 48px; max-width: 1180px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px;
  border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 0; display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
a { color: var(--link); }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
code { background: var(--soft); padding: 1px 5px; border-radius: 4px; overflow-wrap: anywhere; }
pre { background: var(--soft); padding: 10px 12px; border-radius: 6px; margin: 0;
  white-space: pre-wrap; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 4px; table-layout: fixed; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; overflow-wrap: anywhere;
  border-bottom: 1px solid var(--line); }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--mute); }
.num { text-align: right; white-space: nowrap; }
col.n { width: 3em; } col.att { width: 5.5em; } col.act { width: 36%; }
col.exit { width: 6em; } col.time { width: 11em; }
tr:target { background: #fff8c5; }
.verdict { display: inline-block; padding: 3px 12px; border-radius: 999px; color: #fff;
  font-weight: 600; font-size: 14px; }
.v-succeeded { background: var(--ok); } .v-failed { background: var(--bad); }
.v-interrupted, .v-unfinished { background: var(--warn); }
.pill { font-size: 12px; font-weight: 600; padding: 1px 9px; border-radius: 999px;
  border: 1px solid currentColor; white-space: nowrap; }
.pill.ok { color: var(--ok); } .pill.failed { color: var(--bad); }
.pill.interrupted, .pill.unfinished { color: var(--warn); }
.pill.not-reached { color: var(--mute); }
.source { font-size: 12px; color: var(--mute); }
.why { color: var(--bad); margin: 6px 0; }
.totals { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 18px;
  margin: 14px 0; }
.totals dt { color: var(--mute); } .totals dd { margin: 0; overflow-wrap: anywhere; }
.note { background: #fff8c5; border: 1px solid #d4a72c66; padding: 8px 12px; border-radius: 6px;
  margin: 6px 0; }
.step { border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 14px 0; }
.step .meta { color: var(--mute); font-size: 13px; margin: 4px 0 8px; }
.bar { display: inline-block; height: 9px; background: #8c959f; border-radius: 2px;
  vertical-align: middle; margin-right: 6px; }
details { margin: 2px 0; } summary { cursor: pointer; color: var(--mute); }
details.proof > summary { display: flex; gap: 8px; min-width: 0; }
details.proof > summary .clip { flex: 1 1 auto; min-width: 0; overflow: hidden;
  white-space: nowrap; text-overflow: ellipsis; color: #1f2328; font-size: 13px; }
details.proof > summary .source { flex: none; }
details.proof[open] > summary .clip { display: none; }
details.proof pre { margin-top: 4px; padding: 6px 8px; }
details.more { margin-top: 10px; } details.more > summary { font-weight: 600; }
nav ol { margin: 4px 0; padding-left: 22px; } nav a { color: inherit; }
.muted { color: var(--mute); }
.flag { border-left: 3px solid var(--bad); padding: 4px 0 4px 12px; margin: 10px 0; }
.flag .risk { margin: 2px 0; } .flag dl { margin: 2px 0; font-size: 13px; color: var(--mute); }
.flag dt { display: inline; font-weight: 600; } .flag dd { display: inline; margin: 0; }
.flag dd::after { content: ""; display: block; }
.chart-box { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px;
  padding: 8px; }
svg.chart { display: block; width: 100%; min-width: 560px; height: auto;
  font: 13px system-ui, sans-serif; }
svg.chart .ok { fill: var(--ok); } svg.chart .failed { fill: var(--bad); }
svg.chart .unknown { fill: #8c959f; } svg.chart .found { fill: #0969da; opacity: .75; }
svg.chart .verify-ok { fill: #8250df; } svg.chart .verify-failed { fill: var(--bad); }
svg.chart .verify { fill: #8c959f; } svg.chart .lane { fill: #1f2328; }
svg.chart .axis { fill: var(--mute); font-size: 12px; }
svg.chart .grid, svg.chart .tick { stroke: var(--line); }
svg.chart .mark { stroke: #8250df; stroke-dasharray: 4 3; }
.legend { font-size: 13px; color: var(--mute); margin: 6px 0; display: flex; flex-wrap: wrap;
  gap: 4px 16px; }
.key { display: inline-block; width: 12px; height: 12px; border-radius: 2px;
  vertical-align: -1px; margin-right: 4px; }
.stmt { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; margin: 10px 0; }
.stmt:target { outline: 2px solid #d4a72c; }
.stmt h3 { font-size: 15px; } .stmt ul { margin: 4px 0; padding-left: 20px; }
.stmt .label { font-size: 12px; text-transform: uppercase; letter-spacing: .04em;
  color: var(--mute); margin-top: 6px; }
.chips code { display: inline-block; margin: 2px 4px 2px 0; }
@media (max-width: 700px) {
  body { padding: 16px 12px 32px; }
  .step { padding: 10px; }
  table.actions, table.actions tbody, table.actions tr, table.actions td { display: block; }
  table.actions colgroup, table.actions tr.head { display: none; }
  table.actions tr { display: grid; grid-template-columns: 2.2em minmax(0, 1fr);
    border-bottom: 1px solid var(--line); padding: 4px 0; }
  table.actions td { border: 0; padding: 2px 4px; }
  table.actions td.att { display: none; }
  table.actions td.proofs { grid-column: 2; }
}
"""
