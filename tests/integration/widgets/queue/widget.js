// A look-alike SE alert box (written for the tests): shows each alert for 300 ms, then calls
// SE_API.resumeQueue(); like some public widgets it also calls it for every message it skips
// (`event` copies, deletes).
window.shown = [];
window.addEventListener('onWidgetLoad', () => { window.loaded = true; });
window.addEventListener('onEventReceived', (obj) => {
  const { listener, event } = obj.detail;
  if (listener === 'event' || listener === 'delete-message') { SE_API.resumeQueue(); return; }
  if (!listener.endsWith('-latest')) return;
  window.shown.push({ name: event.name, at: performance.now() });
  document.getElementById('alert').textContent = event.name;
  if (event.name !== 'stuck') setTimeout(() => SE_API.resumeQueue(), 300);  // "stuck" never resumes
});
