// A list's form (templates/_list.html): shows a state in its fields, reads one back from
// them, and writes the counts of a selection beside the statuses and tags.
(() => {
  "use strict";
  const SL = window.SitegenList;
  const isYear = (text) => /^\d{1,4}$/.test(text);

  class Controls {
    // `scope`: the indexes of the papers this list shows (only their tags are offered).
    constructor(form, data, scope) {
      this.form = form;
      this.data = data;
      this.scopeSize = scope.length;
      this.chips = form.querySelector(".chosen-tags");
      this.tagSelect = this.field("tag");
      this.statusCounts = new Map();
      for (const radio of form.querySelectorAll("input[name=status]")) {
        const count = document.createElement("span");
        count.className = "count";
        radio.parentElement.appendChild(count);
        this.statusCounts.set(radio.value, count);
      }
      const inScope = new Set(scope.flatMap((i) => data.papers[i][SL.ROW.tags]));
      this.tagOptions = new Map(); // tag index -> [its option, its name]
      data.tags.forEach(([slug, name], t) => {
        if (!inScope.has(t)) return;
        const option = new Option(name, slug);
        this.tagOptions.set(t, [option, name]);
        this.tagSelect.appendChild(option);
      });
    }

    field(name) {
      return this.form.elements[name];
    }

    // Shows `state` in the fields and the chosen tags as chips.
    fill(state) {
      for (const name of ["q", "sort", "dir", "mode", "from", "to"]) this.field(name).value = state[name];
      const radio = this.form.querySelector(`input[name=status][value="${CSS.escape(state.status)}"]`);
      if (radio) radio.checked = true;
      this.form.querySelector("option[value=relevance]").disabled = !state.q;
      this.drawChips(state.tags);
      this.form.querySelector(".control-mode").hidden = state.tags.length < 2;
    }

    drawChips(tags) {
      this.chips.replaceChildren();
      for (const slug of tags) {
        const t = this.data.tagIndex.get(slug);
        const name = t === undefined ? slug : this.data.tags[t][1];
        const button = document.createElement("button");
        button.type = "button";
        button.className = "tag chip";
        button.dataset.slug = slug;
        button.textContent = `${name} ×`;
        button.setAttribute("aria-label", `Remove the tag ${name}`);
        this.chips.appendChild(button);
      }
    }

    // `state` with what the fields say now (tags are changed by chips and the tag menu).
    read(state) {
      const year = (name) => (isYear(this.field(name).value) ? this.field(name).value : "");
      return {
        ...state,
        q: this.field("q").value,
        sort: this.field("sort").value,
        dir: this.field("dir").value,
        status: (this.form.querySelector("input[name=status]:checked") || { value: "" }).value,
        mode: this.field("mode").value,
        from: year("from"),
        to: year("to"),
      };
    }

    // The counts of a selection (SitegenList.select's result) beside each status and tag.
    counts(result, state) {
      const all = result.statusCounts.reduce((a, b) => a + b, 0);
      this.statusCounts.get("").textContent = ` ${all}`;
      this.data.statuses.forEach((status, s) => {
        if (this.statusCounts.has(status)) this.statusCounts.get(status).textContent = ` ${result.statusCounts[s]}`;
      });
      for (const [t, [option, name]] of this.tagOptions) {
        option.textContent = `${name} (${result.tagCounts.get(t) || 0})`;
        option.disabled = state.tags.includes(this.data.tags[t][0]);
      }
      const shown = result.shown.length;
      this.form.querySelector(".list-count").textContent =
        shown === this.scopeSize ? `${shown} papers` : `${shown} of ${this.scopeSize} papers`;
    }
  }

  SL.Controls = Controls;
})();
