// A look-alike SE label (written for the tests): the latest tipper from session data.
let currency = 'USD';
const show = (data) => {
  const tip = data['tip-latest'];
  $('#label').text(tip.name ? `${tip.name} ${tip.amount.toLocaleString('en-US', { style: 'currency', currency })}` : '{{empty}}');
};
window.addEventListener('onWidgetLoad', (obj) => { currency = obj.detail.currency.code; show(obj.detail.session.data); });
window.addEventListener('onSessionUpdate', (obj) => show(obj.detail.session));
