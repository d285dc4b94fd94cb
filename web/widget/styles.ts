/** The widget's CSS, inside its shadow root: the host page's styles neither reach it nor are reached. */
export const WIDGET_CSS = `
:host{all:initial;position:fixed;right:20px;bottom:20px;z-index:2147483000;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933}
*{box-sizing:border-box;font:inherit}
button{cursor:pointer;border:0;border-radius:8px;padding:8px 14px;background:#0b6e4f;color:#fff;font-weight:600}
button:hover{background:#095c42}
button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
button[disabled]{opacity:.6;cursor:default}
.launcher{display:flex;align-items:center;gap:8px;border-radius:999px;padding:12px 20px;box-shadow:0 4px 14px rgba(0,0,0,.25);margin-left:auto}
.launcher[aria-expanded=true]{display:none}
.dot{width:10px;height:10px;border-radius:50%;background:#f5a623}
.panel{width:min(360px,calc(100vw - 40px));height:min(540px,calc(100vh - 40px));background:#fff;border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.3);display:flex;flex-direction:column;overflow:hidden}
.panel[hidden],[hidden]{display:none!important}
header{display:flex;align-items:center;gap:8px;padding:12px 14px;background:#0b6e4f;color:#fff}
h2{margin:0;font-size:16px;font-weight:700;flex:1}
.ticket{font-weight:700;background:rgba(255,255,255,.18);padding:2px 8px;border-radius:999px}
.icon{background:transparent;padding:4px 8px;font-size:18px;line-height:1}
.icon:hover{background:rgba(255,255,255,.15)}
.conn{margin:0;padding:6px 14px;background:#fff4e0;color:#7a4b00;font-size:13px}
form.prechat{padding:16px;display:flex;flex-direction:column;gap:4px;overflow:auto}
label{font-weight:600;margin-top:8px}
input,textarea{width:100%;border:1px solid #9aa5b1;border-radius:8px;padding:8px 10px;background:#fff;color:#1f2933}
input[aria-invalid=true]{border-color:#c81e1e}
.error{color:#c81e1e;margin:2px 0 0;font-size:13px;min-height:0}
.submit{margin-top:14px}
.chat{display:flex;flex-direction:column;flex:1;min-height:0}
ol{list-style:none;margin:0;padding:12px;flex:1;overflow-y:auto;display:flex;flex-direction:column;gap:8px}
li{max-width:85%;padding:8px 10px;border-radius:10px;background:#eef2f5;align-self:flex-start}
li.client{align-self:flex-end;background:#d8f3e8}
li.bot{background:#e8ecff}
li.notice{align-self:center;background:transparent;color:#52606d;font-size:13px;text-align:center}
li.pending{opacity:.7}
.who{display:block;font-size:12px;font-weight:700;color:#52606d}
.body{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
.state{display:block;font-size:11px;color:#7b8794;text-align:right}
.typing{margin:0 12px;min-height:1.4em;font-style:italic;color:#52606d;font-size:13px}
.composer{display:flex;gap:8px;padding:10px 12px;border-top:1px solid #e4e7eb;align-items:flex-end}
.composer textarea{resize:none;min-height:40px;max-height:120px}
.footer{display:flex;justify-content:space-between;gap:8px;padding:0 12px 10px}
.secondary{background:#fff;color:#0b6e4f;border:1px solid #0b6e4f}
.secondary:hover{background:#f0faf6}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;
