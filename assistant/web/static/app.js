// pmassist's own script: chat streaming with clickable citations, and ingest progress.
// Text from answers and sources is only ever set with textContent, never as HTML.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function* serverEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) yield { event, data: JSON.parse(data) };
    }
  }
}

function citedText(container, text, chunks, project) {
  // "… slipped [S2]." -> text with a button per citation.
  const parts = text.split(/(\[S\d+\])/);
  for (const part of parts) {
    const match = /^\[(S\d+)\]$/.exec(part);
    if (match && chunks[match[1]]) {
      const button = element("button", "cite", part);
      button.type = "button";
      button.dataset.chunk = chunks[match[1]];
      button.dataset.project = project;
      button.title = "Open the source";
      container.appendChild(button);
    } else {
      container.appendChild(document.createTextNode(part));
    }
  }
}

async function openSource(project, chunk) {
  const panel = document.getElementById("source-panel");
  const response = await fetch(`/api/projects/${encodeURIComponent(project)}/sources/${encodeURIComponent(chunk)}`);
  if (!response.ok) return;
  const source = await response.json();
  document.getElementById("source-title").textContent = source.title;
  document.getElementById("source-locator").textContent = source.locator;
  document.getElementById("source-text").textContent = source.text;
  panel.hidden = false;
}

function setUpChat() {
  const chat = document.querySelector(".chat");
  if (!chat) return;
  const project = chat.dataset.project;
  const form = document.getElementById("ask-form");
  const input = document.getElementById("question");
  const conversation = document.getElementById("conversation");
  let conversationId = null;

  document.getElementById("close-source").addEventListener("click", () => {
    document.getElementById("source-panel").hidden = true;
  });
  conversation.addEventListener("click", (event) => {
    const target = event.target.closest("button.cite");
    if (target) openSource(target.dataset.project, target.dataset.chunk);
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    input.value = "";
    conversation.appendChild(element("p", "question", question));
    const answer = element("div", "answer");
    const text = element("p", "answer-text", "");
    answer.appendChild(text);
    conversation.appendChild(answer);
    const response = await fetch(`/api/projects/${encodeURIComponent(project)}/ask`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify({ question, conversation_id: conversationId }),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({ detail: response.statusText }));
      text.textContent = problem.detail || "The question could not be answered.";
      answer.classList.add("error");
      return;
    }
    for await (const { event: kind, data } of serverEvents(response)) {
      if (kind === "delta") text.textContent += data.text;
      if (kind === "error") { text.textContent = data.detail; answer.classList.add("error"); }
      if (kind === "answer") {
        conversationId = data.conversation_id;
        const chunks = Object.fromEntries(data.sources.map((s) => [s.citation, s.chunk_id]));
        text.textContent = "";
        const lines = data.text.split("\n");
        lines.forEach((line, index) => {
          if (index) text.appendChild(document.createElement("br"));
          citedText(text, line, chunks, project);
        });
        const cited = data.sources.filter((s) => s.cited);
        if (cited.length) {
          const list = element("ol", "answer-sources");
          for (const source of cited) {
            const item = element("li");
            const button = element("button", "cite", `[${source.citation}]`);
            button.type = "button";
            button.dataset.chunk = source.chunk_id;
            button.dataset.project = project;
            item.appendChild(button);
            item.appendChild(document.createTextNode(" " + source.locator));
            list.appendChild(item);
          }
          answer.appendChild(list);
        }
        answer.appendChild(element("p", "muted", `${data.writer} · ${data.coverage}`));
      }
    }
  });
}

function setUpJob() {
  const section = document.getElementById("job");
  if (!section) return;
  const id = section.dataset.job;
  const state = document.getElementById("job-state");
  const bar = document.getElementById("job-progress");
  const failures = document.getElementById("job-failures");
  const poll = async () => {
    const response = await fetch(`/api/jobs/${encodeURIComponent(id)}`);
    if (!response.ok) { state.textContent = "The ingest job is not known (the server restarted?)."; return; }
    const job = await response.json();
    const total = job.files_total + job.chunks_total;
    bar.max = Math.max(total, 1);
    bar.value = job.files_read + job.chunks_embedded;
    state.textContent = `${job.state}: ${job.files_read} of ${job.files_total} files read, ${job.chunks_embedded} of ${job.chunks_total} chunks embedded`;
    if (job.state === "done") {
      const s = job.summary;
      const skipped = s.skipped || [];
      state.textContent = `Done: ${s.added} added, ${s.updated} updated, ${s.unchanged} unchanged, ${s.failures.length} failed${skipped.length ? `, ${skipped.length} skipped` : ""}.`;
      failures.replaceChildren(
        ...s.failures.map((f) =>
          element("li", "fail", `${f.file}${f.row ? ", row " + f.row : ""}${f.field ? ", field " + f.field : ""}: ${f.reason}`)),
        ...skipped.map((f) => element("li", "", `Skipped ${f.file}: ${f.reason}`)));
      return;
    }
    if (job.state === "failed") { state.textContent = `Failed: ${job.error}`; return; }
    setTimeout(poll, 700);
  };
  poll();
}

document.addEventListener("DOMContentLoaded", () => { setUpChat(); setUpJob(); });
