// Served by `sitegen serve` only: a SharedWorker holding the one event stream every open tab
// of the site shares. A browser opens at most 6 HTTP/1.1 connections per host, so a stream
// per tab would leave a 7th tab waiting forever.
"use strict";
const RECENT = 32; // builds a tab that connects later may need to catch up on
const ports = new Set();
let hello = null; // the greeting a tab gets: the latest build, its error and those before
let recent = [];

const send = (message) => {
  for (const port of ports) port.postMessage(message);
};

const source = new EventSource("/__sitegen/events");
source.addEventListener("hello", (e) => {
  const data = JSON.parse(e.data);
  recent = data.recent || [];
  hello = { kind: "hello", version: data.version, error: data.error, recent };
  send(hello);
});
for (const kind of ["reload", "css", "failed"]) {
  source.addEventListener(kind, (e) => {
    const data = JSON.parse(e.data);
    const version = Number(e.lastEventId);
    recent = [...recent, { version, kind, paths: data.paths }].slice(-RECENT);
    hello = {
      kind: "hello",
      version,
      error: kind === "failed" ? data.error : null,
      recent,
    };
    send({ ...data, kind, version });
  });
}

self.addEventListener("connect", (e) => {
  const port = e.ports[0];
  ports.add(port);
  // A tab says "bye" when it goes away (and "back" when the browser brings it back).
  port.addEventListener("message", (m) => {
    if (m.data === "bye") ports.delete(port);
    else if (m.data === "back") {
      ports.add(port);
      if (hello) port.postMessage(hello); // what it missed while away
    }
  });
  port.start();
  if (hello) port.postMessage(hello);
});
