// Marks the first painted frame the way Polso's UI marks that it is ready, so
// the start-up benchmark waits for the same attribute in both windows.
requestAnimationFrame(() => {
  requestAnimationFrame(() => document.documentElement.setAttribute("data-app-ready", "true"));
});
