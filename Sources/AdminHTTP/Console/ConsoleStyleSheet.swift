/// The console's styles: readable at 1280×800 and at phone width; tables of fixed layout, so live updates do not shift it.
enum ConsoleStyleSheet {
    static let text = #"""
:root {
  --bg: #f6f7f9; --card: #fff; --ink: #1d2330; --muted: #5d6677; --line: #dfe3ea; --accent: #2f5bea;
  --danger: #c62f2f; --ok: #1f8a4c; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
.bar { display: flex; align-items: center; justify-content: space-between; gap: 1rem; padding: .6rem 1.25rem;
  background: var(--ink); color: #fff; }
.brand { font-weight: 700; letter-spacing: .02em; }
nav { display: flex; gap: .5rem; }
main { max-width: 1200px; margin: 0 auto; padding: 1.25rem; }
h1 { font-size: 1.4rem; margin: 0; } h2 { font-size: 1.05rem; margin: 0 0 .6rem; } h3 { font-size: .9rem; margin: .8rem 0 .3rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin-bottom: 1rem; min-width: 0; }
.narrow { max-width: 420px; margin: 3rem auto; }
.row { display: flex; align-items: center; justify-content: space-between; gap: .75rem; flex-wrap: wrap; }
.head { margin-bottom: 1rem; }
.columns { display: grid; grid-template-columns: minmax(200px, 260px) 1fr; gap: 1rem; align-items: start; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: .6rem; margin-bottom: .6rem; }
label { display: block; font-size: .85rem; color: var(--muted); }
input, textarea, select { font: inherit; width: 100%; padding: .45rem .55rem; border: 1px solid var(--line); border-radius: 6px;
  background: #fff; color: var(--ink); }
textarea { font-family: var(--mono); font-size: .85rem; }
textarea.small { height: 4.5rem; resize: vertical; }
textarea.tall { height: 12rem; resize: vertical; margin-bottom: .5rem; }
#filterForm { margin-bottom: .6rem; }
.check { display: flex; align-items: center; gap: .4rem; } .check input { width: auto; }
button { font: inherit; padding: .45rem .85rem; border-radius: 6px; border: 1px solid var(--line); background: #fff;
  color: var(--ink); cursor: pointer; white-space: nowrap; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { color: var(--danger); border-color: var(--danger); }
button.quiet, .bar button { background: transparent; color: #fff; border-color: rgba(255,255,255,.35); }
.inline { display: flex; gap: .5rem; } .inline input { min-width: 0; }
#signInForm { display: grid; gap: .6rem; }
.hint { color: var(--muted); font-size: .9rem; }
.error { color: var(--danger); min-height: 1.2em; margin: .3rem 0; }
.status { min-height: 1.3em; margin: .4rem 0; font-size: .9rem; }
.status.ok { color: var(--ok); } .status.bad { color: var(--danger); }
table.list { width: 100%; border-collapse: collapse; background: var(--card); table-layout: fixed; }
.list th, .list td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; }
.list th { font-size: .8rem; color: var(--muted); font-weight: 600; }
.list td.num, .list th.num { text-align: right; font-variant-numeric: tabular-nums; }
.list tbody tr.link { cursor: pointer; } .list tbody tr.link:hover { background: #f0f3fb; }
.list code, .output pre, code { font-family: var(--mono); font-size: .85rem; }
.picks { list-style: none; margin: 0 0 .6rem; padding: 0; }
.picks button { width: 100%; text-align: left; border-color: transparent; font-family: var(--mono); font-size: .9rem;
  overflow: hidden; text-overflow: ellipsis; }
.list .act2 { width: 14rem; }
#socketRows td:last-child { overflow: visible; text-align: right; }
#socketRows td:last-child button + button { margin-left: .4rem; }
details.card > summary { cursor: pointer; font-weight: 600; }
#settingsForm { display: grid; gap: .6rem; margin-top: .8rem; }
#emitForm { margin-bottom: .4rem; } #emitForm #emitEvent { max-width: 12rem; }
.picks button[aria-current="true"] { background: #e8edfd; border-color: #c9d4fa; }
.badge { font-size: .8rem; color: var(--muted); font-variant-numeric: tabular-nums; min-width: 5ch; text-align: right; }
.editor { display: grid; grid-template-columns: auto 1fr; border: 1px solid var(--line); border-radius: 6px;
  overflow: hidden; height: 18rem; }
.editor pre { margin: 0; padding: .45rem .5rem; background: #f3f5f8; color: var(--muted); text-align: right;
  font: .85rem/1.45 var(--mono); overflow: hidden; user-select: none; min-width: 3.2ch; }
.editor pre .bad { color: #fff; background: var(--danger); display: block; margin: 0 -.5rem; padding: 0 .5rem; }
.editor textarea { border: 0; border-radius: 0; height: 100%; resize: none; line-height: 1.45; white-space: pre;
  overflow: auto; }
.output pre:empty::before { content: "none"; color: var(--muted); }
.output pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: .5rem; margin: 0;
  white-space: pre-wrap; word-break: break-word; max-height: 14rem; overflow: auto; }
.actions { display: flex; gap: .5rem; }
@media (max-width: 720px) {
  main { padding: .75rem; }
  .bar { padding: .5rem .75rem; }
  .bar button { padding: .35rem .55rem; font-size: .85rem; }
  .columns, .grid2 { grid-template-columns: 1fr; }
  .list th:nth-child(4), .list td:nth-child(4) { display: none; }
  /* Sockets: the id and the actions. */
  #socketTable th:nth-child(-n+5):not(:first-child), #socketTable td:nth-child(-n+5):not(:first-child) { display: none; }
  #emitForm { flex-wrap: wrap; } #emitForm #emitEvent { max-width: none; }
  .list .act2 { width: 12.5rem; }
  #socketRows button { padding: .35rem .5rem; font-size: .85rem; }
}
"""#
}
