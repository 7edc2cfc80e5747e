// The browser bundle of socket.io-client polls with XMLHttpRequest, which Node does not have: this is just enough
// of it on top of Node's fetch for engine.io-client's polling transport (open, headers, send, readyState 3/4,
// status, responseText, abort).
export class XMLHttpRequest {
  constructor() {
    this.readyState = 0;
    this.status = 0;
    this.responseText = "";
    this.withCredentials = false;
    this.headers = {};
    this.controller = new AbortController();
  }

  open(method, url) {
    this.method = method;
    this.url = url;
    this.readyState = 1;
  }

  setRequestHeader(name, value) {
    this.headers[name] = value;
  }

  getResponseHeader(name) {
    return this.response ? this.response.headers.get(name) : null;
  }

  send(body) {
    fetch(this.url, { method: this.method, headers: this.headers, body: body ?? undefined, signal: this.controller.signal })
      .then(async (response) => {
        this.response = response;
        this.status = response.status;
        this.readyState = 3;
        this.onreadystatechange?.();
        this.responseText = await response.text();
        this.readyState = 4;
        this.onreadystatechange?.();
      })
      .catch(() => {
        if (this.aborted) return;
        this.status = 0;
        this.readyState = 4;
        this.onreadystatechange?.();
      });
  }

  abort() {
    this.aborted = true;
    this.controller.abort();
  }
}
