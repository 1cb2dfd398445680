/*
 * checkout.js: hand a PENDING reservation to the payment page.
 *
 * With a Toss client key configured, Toss's own payment window is used (its
 * script is loaded only then, on demand). Without one, the browser goes to
 * the configured checkout page (the local stand-in), which sends it back to
 * /pay/success.html or /pay/fail.html exactly as Toss would.
 */

const TOSS_SCRIPT = 'https://js.tosspayments.com/v1/payment';

function returnUrls() {
	return {
		successUrl: `${location.origin}/pay/success.html`,
		failUrl: `${location.origin}/pay/fail.html`
	};
}

function loadTossScript() {
	if (window.TossPayments)
		return Promise.resolve(window.TossPayments);
	return new Promise((resolve, reject) => {
		const script = document.createElement('script');
		script.src = TOSS_SCRIPT;
		script.onload = () => resolve(window.TossPayments);
		script.onerror = () => reject(new Error('Toss Payments script failed to load'));
		document.head.appendChild(script);
	});
}

export async function startCheckout(reservation, config) {
	const order = {
		amount: reservation.amount,
		orderId: reservation.order_id,
		orderName: reservation.order_name,
		...returnUrls()
	};
	if (config.toss_client_key) {
		const TossPayments = await loadTossScript();
		await TossPayments(config.toss_client_key).requestPayment('카드', order);
		return;
	}
	const url = new URL(config.checkout_url, location.href);
	for (const [key, value] of Object.entries(order))
		url.searchParams.set(key, String(value));
	location.assign(url.toString());
}
