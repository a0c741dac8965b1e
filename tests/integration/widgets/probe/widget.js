// A look-alike SE custom widget (written for the tests): records every runtime call it gets.
window.probe = { loads: [], events: [], sessions: [], counters: [], stored: undefined, ready: false, order: [] };
const showTest = {{showTest}};          // a checkbox: raw true/false in the code, as SE does
const prefix = '{prefix}';              // the single-brace form
let fieldData;

window.addEventListener('onWidgetLoad', async (obj) => {
  fieldData = obj.detail.fieldData;
  probe.loads.push(obj.detail);
  probe.order.push('load');
  $('#rows').append($('<div class="row loaded">').text(`${prefix} loaded, ${obj.detail.recents.length} recents`));
  probe.counters.push(await SE_API.counters.get('deaths'));
  probe.stored = await SE_API.store.get('probe');
  await SE_API.store.set('probe', { visits: ((probe.stored && probe.stored.visits) || 0) + 1 });
  probe.ready = true;  // loaded, and the store read and written
});

window.addEventListener('onEventReceived', (obj) => {
  const { listener, event } = obj.detail;
  probe.events.push(obj.detail);
  probe.order.push(listener);
  if (listener === 'delete-message') $(`.row[data-msgid="${event.msgId}"]`).remove();
  if (listener === 'message') {
    $('#rows').append($('<div class="row chat">').attr('data-msgid', event.data.msgId).text(`${event.data.displayName}: ${event.data.text}`));
  }
  if (listener.endsWith('-latest') && (showTest || !event.isTest)) {
    const money = event.type === 'tip'
      ? (event.amount).toLocaleString('en-US', { style: 'currency', currency: probe.loads[0].currency.code }) : event.amount;
    $('#rows').append($('<div class="row alert">').text(`${prefix} ${event.type} ${event.name} ${money}`));
  }
  if (listener === 'kvstore:update') $('#store').text(JSON.stringify(event.data));
});

window.addEventListener('onSessionUpdate', (obj) => {
  probe.sessions.push(obj.detail.session);
  probe.order.push('session');
  $('#tip-session').text(obj.detail.session['tip-session'].amount);
});
