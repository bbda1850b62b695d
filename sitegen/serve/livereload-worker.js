// Served by `sitegen serve` only: a SharedWorker holding the one event stream every open tab
// of the site shares. A browser opens at most 6 HTTP/1.1 connections per host, so a stream
// per tab would leave a 7th tab waiting forever.
"use strict";
const ports = new Set();
let greeted = false;
let error = null; // the failed build's messages, until a build succeeds

const send = (message) => {
  for (const port of ports) port.postMessage(message);
};

const source = new EventSource("/__sitegen/events");
source.addEventListener("hello", (e) => {
  greeted = true;
  error = JSON.parse(e.data).error;
  send({ kind: "hello", error });
});
for (const kind of ["reload", "css", "failed"]) {
  source.addEventListener(kind, (e) => {
    const data = JSON.parse(e.data);
    error = kind === "failed" ? data.error : null;
    send({ ...data, kind });
  });
}

self.addEventListener("connect", (e) => {
  const port = e.ports[0];
  ports.add(port);
  // A tab says "bye" when it goes away (and "back" when the browser brings it back).
  port.addEventListener("message", (m) => {
    if (m.data === "bye") ports.delete(port);
    else if (m.data === "back") ports.add(port);
  });
  port.start();
  if (greeted) port.postMessage({ kind: "hello", error });
});
