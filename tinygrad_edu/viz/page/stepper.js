// The step-through page's script: move through the steps, outline each step's
// nodes and arrows in the drawing, show its numbers, and zoom and pan.
//
// The data (built by stepper.py) is {title, views, steps}. Each step has its op,
// formula, input and output labels, its numbers as text, and, for each view
// ("expanded", "collapsed"), the ids of its nodes: Graphviz writes a node's id
// into the <title> of its SVG group, and an edge's "tail->head" likewise.
(function () {
  "use strict";

  const DATA = JSON.parse(document.getElementById("stepper-data").textContent);
  const STEPS = DATA.steps;
  const PLAY_INTERVAL_MS = 1000;

  // ------------------------------------------------------------ the drawings

  // For each view: its <svg>, its nodes by id and its edges by "tail->head".
  const views = {};
  for (const container of document.querySelectorAll(".view")) {
    views[container.dataset.view] = indexDrawing(container);
  }
  let viewName = DATA.views[0];

  function indexDrawing(container) {
    const svg = container.querySelector("svg");
    const nodes = new Map();
    const edges = new Map();
    for (const group of svg.querySelectorAll("g.node")) {
      nodes.set(titleOf(group), group);
    }
    for (const group of svg.querySelectorAll("g.edge")) {
      const key = titleOf(group);
      if (!edges.has(key)) edges.set(key, []);
      edges.get(key).push(group);
    }
    svg.removeAttribute("width");   // let CSS size it; the viewBox keeps its proportions
    svg.removeAttribute("height");
    const box = svg.viewBox.baseVal;
    return { svg, nodes, edges, home: [box.x, box.y, box.width, box.height] };
  }

  function titleOf(group) {
    const title = group.querySelector("title");
    return title ? title.textContent : "";
  }

  // ------------------------------------------------------------ the stepper

  let current = 0;
  let timer = null;
  let outlined = [];   // the SVG groups outlined for the current step

  function go(k) {
    if (STEPS.length === 0) return;
    current = Math.max(0, Math.min(STEPS.length - 1, k | 0));
    show();
  }

  function show() {
    const step = STEPS[current];
    outline(step);
    renderPanel(step);
    document.getElementById("counter").textContent =
      `step ${current + 1} of ${STEPS.length} · ${step.phase}`;
    document.getElementById("slider").value = current;
  }

  // Outline the step's op, inputs and output, and the arrows of its phase:
  // forward arrows carry values into the op; dashed gradient arrows carry
  // the gradient back from the op to its inputs.
  function outline(step) {
    for (const group of outlined) group.classList.remove("current", "input", "output", "active");
    outlined = [];
    const view = views[viewName];
    const ids = step.nodes[viewName];
    const mark = (group, name) => { if (group) { group.classList.add(name); outlined.push(group); } };
    mark(view.nodes.get(ids.op), "current");
    mark(view.nodes.get(ids.output), "output");
    const kind = step.phase === "forward" ? "forward" : "gradient";
    for (const input of ids.inputs) {
      mark(view.nodes.get(input), "input");
      for (const edge of view.edges.get(`${input}->${ids.op}`) || []) {
        if (edge.classList.contains(kind)) mark(edge, "active");
      }
    }
    for (const edge of view.edges.get(`${ids.op}->${ids.output}`) || []) {
      if (edge.classList.contains(kind)) mark(edge, "active");
    }
    view.svg.classList.add("stepping");
    keepInView(view, view.nodes.get(ids.op));
  }

  // ------------------------------------------------------------ the panel

  function renderPanel(step) {
    const panel = document.getElementById("panel");
    panel.replaceChildren();
    const heading = add(panel, "h2");
    add(heading, "span", `phase-${step.phase}`, `${step.phase} · `);
    add(heading, "span", "op", step.op);
    add(panel, "div", "equation", `${step.output} = ${step.op}(${step.inputs.join(", ")})`);
    add(panel, "div", "formula", step.formula);
    if (step.check) {
      add(panel, "p", "failed",
        `✗ This op's backward rule fails its gradient check: ${step.check.message}`);
    }
    if (step.phase === "forward") renderForward(panel, step);
    else renderBackward(panel, step);
  }

  function renderForward(panel, step) {
    step.inputs.forEach((label, i) => {
      const flow = add(panel, "div", "flow");
      add(flow, "div", "", `input ${i} · ${label}`);
      add(flow, "pre", "", step.inputValues[i]);
    });
    const result = add(panel, "div", "flow receives");
    add(result, "div", "", `output · ${step.output}`);
    add(result, "pre", "", step.values);
  }

  function renderBackward(panel, step) {
    const upstream = add(panel, "div", "flow receives");
    add(upstream, "div", "", `upstream g = dL/d${step.output}, the summed gradient of the output`);
    add(upstream, "pre", "", step.upstream);
    step.inputs.forEach((label, i) => {
      const flow = add(panel, "div", "flow");
      add(flow, "div", "", `to input ${i} · ${label}:  ${step.rules[i]}`);
      if (step.grads[i] === null) {
        add(flow, "div", "note", "no gradient: this input does not require grad");
        return;
      }
      if (step.local[i] !== null) {
        add(flow, "div", "note", "local derivative dy/dx, element by element:");
        add(flow, "pre", "", step.local[i]);
      }
      add(flow, "div", "note", "contribution sent to it:");
      add(flow, "pre", "", step.grads[i]);
      if (step.summedAxes[i].length) {
        add(flow, "div", "note",
          `summed over axes (${step.summedAxes[i].join(", ")}) to undo broadcasting`);
      }
      if (step.accumulated[i] !== null) {
        add(flow, "div", "note", `${label} has several consumers; its sum so far:`);
        add(flow, "pre", "", step.accumulated[i]);
      }
    });
  }

  // Append an element with a class and text (text, never HTML: labels are user names).
  function add(parent, tag, className = "", text = "") {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text) element.textContent = text;
    parent.appendChild(element);
    return element;
  }

  // ------------------------------------------------------------ zoom and pan

  // Zooming and panning change the SVG's viewBox: the part of the drawing shown.
  function setBox(view, x, y, width, height) {
    view.svg.setAttribute("viewBox", `${x} ${y} ${width} ${height}`);
  }

  function zoom(factor, centre) {
    const view = views[viewName];
    const box = view.svg.viewBox.baseVal;
    const c = centre || { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    setBox(view, c.x - (c.x - box.x) / factor, c.y - (c.y - box.y) / factor,
           box.width / factor, box.height / factor);
  }

  function fit() {
    const view = views[viewName];
    setBox(view, ...view.home);
  }

  // A point of the screen in the drawing's coordinates.
  function toDrawing(svg, clientX, clientY) {
    const point = new DOMPoint(clientX, clientY).matrixTransform(svg.getScreenCTM().inverse());
    return { x: point.x, y: point.y };
  }

  // When the step's op is outside the part shown, move the view to centre it.
  function keepInView(view, group) {
    if (!group || !view.svg.getScreenCTM()) return;
    const rect = group.getBoundingClientRect();
    const frame = document.getElementById("graph").getBoundingClientRect();
    const inside = rect.left >= frame.left && rect.right <= frame.right &&
                   rect.top >= frame.top && rect.bottom <= frame.bottom;
    if (inside || frame.width === 0) return;
    const centre = toDrawing(view.svg, rect.left + rect.width / 2, rect.top + rect.height / 2);
    const box = view.svg.viewBox.baseVal;
    setBox(view, centre.x - box.width / 2, centre.y - box.height / 2, box.width, box.height);
  }

  // A large graph fitted to the frame has unreadable text: start at a readable scale,
  // around the first step's op (the "fit" button shows the whole graph).
  function startReadable() {
    const view = views[viewName];
    const box = view.svg.viewBox.baseVal;
    const area = document.getElementById("graph").getBoundingClientRect();
    const scale = Math.min(area.width / box.width, area.height / box.height);
    const READABLE_SCALE = 0.9;
    if (scale > 0 && scale < READABLE_SCALE) {
      zoom(READABLE_SCALE / scale);
      outline(STEPS[current]);  // now the op may be out of view: centre it
    }
  }

  function enablePanAndWheel() {
    const area = document.getElementById("graph");
    let drag = null;
    area.addEventListener("wheel", (event) => {
      event.preventDefault();
      const svg = views[viewName].svg;
      zoom(event.deltaY < 0 ? 1.2 : 1 / 1.2, toDrawing(svg, event.clientX, event.clientY));
    }, { passive: false });
    area.addEventListener("pointerdown", (event) => {
      drag = { x: event.clientX, y: event.clientY };
      area.classList.add("dragging");
    });
    window.addEventListener("pointerup", () => { drag = null; area.classList.remove("dragging"); });
    window.addEventListener("pointermove", (event) => {
      if (!drag) return;
      const svg = views[viewName].svg;
      const from = toDrawing(svg, drag.x, drag.y);
      const to = toDrawing(svg, event.clientX, event.clientY);
      const box = svg.viewBox.baseVal;
      setBox(views[viewName], box.x - (to.x - from.x), box.y - (to.y - from.y),
             box.width, box.height);
      drag = { x: event.clientX, y: event.clientY };
    });
  }

  // ------------------------------------------------------------ controls

  function play() {
    if (timer !== null) return pause();
    if (current === STEPS.length - 1) go(0);
    document.getElementById("play").textContent = "❚❚ Pause";
    timer = setInterval(() => {
      if (current >= STEPS.length - 1) pause();
      else go(current + 1);
    }, PLAY_INTERVAL_MS);
  }

  function pause() {
    clearInterval(timer);
    timer = null;
    document.getElementById("play").textContent = "▶ Play";
  }

  function setView(name) {
    for (const container of document.querySelectorAll(".view")) {
      container.hidden = container.dataset.view !== name;
    }
    viewName = name;
    show();
  }

  function connectControls() {
    const byId = (id) => document.getElementById(id);
    byId("prev").addEventListener("click", () => go(current - 1));
    byId("next").addEventListener("click", () => go(current + 1));
    byId("play").addEventListener("click", play);
    byId("zoom-in").addEventListener("click", () => zoom(1.25));
    byId("zoom-out").addEventListener("click", () => zoom(0.8));
    byId("fit").addEventListener("click", fit);
    const slider = byId("slider");
    slider.max = Math.max(0, STEPS.length - 1);
    slider.addEventListener("input", () => go(Number(slider.value)));
    if (DATA.views.length > 1) {
      byId("collapse-toggle").hidden = false;
      byId("collapse").checked = DATA.views[0] === "collapsed";
      byId("collapse").addEventListener("change", (event) => {
        setView(event.target.checked ? "collapsed" : "expanded");
      });
    }
    document.addEventListener("keydown", (event) => {
      const keys = {
        ArrowRight: () => go(current + 1), ArrowLeft: () => go(current - 1),
        Home: () => go(0), End: () => go(STEPS.length - 1), " ": play,
        "+": () => zoom(1.25), "-": () => zoom(0.8), "0": fit,
      };
      if (keys[event.key] && event.target.tagName !== "INPUT") {
        event.preventDefault();
        keys[event.key]();
      }
    });
  }

  // What a test or a slide deck drives.
  window.stepper = {
    get count() { return STEPS.length; },
    get current() { return current; },
    get step() { return STEPS[current]; },
    next() { go(current + 1); },
    prev() { go(current - 1); },
    go,
    play,
    pause,
  };

  connectControls();
  enablePanAndWheel();
  go(0);
  if (STEPS.length) startReadable();
})();
