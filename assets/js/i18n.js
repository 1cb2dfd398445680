/*
 * i18n.js: Korean first, English on request.
 *
 * The choice lives in localStorage (it is a preference, not a secret).
 * Static markup marks translatable text with data-i18n="key" (and
 * data-i18n-attr="attr:key" for attributes); views call t() as they render
 * and re-render when the language changes.
 */

const STORAGE_KEY = 'encore.lang';

const messages = {
	ko: {
		'app.title': 'encore 티켓',
		'app.skip': '본문으로 건너뛰기',
		'app.loading': '불러오는 중…',
		'app.footer': 'encore · 공연 예매',
		'nav.concerts': '공연',
		'nav.reservations': '내 예매',
		'nav.admin': '관리',
		'nav.login': '로그인',
		'nav.logout': '로그아웃',
		'nav.lang': 'English',
		'nav.lang.label': 'Switch to English',
		'nav.main': '주 메뉴',
		'error.generic': '문제가 발생했습니다. 잠시 후 다시 시도해 주세요.',
		'error.network': '서버에 연결할 수 없습니다.',
		'error.login_required': '로그인이 필요합니다.',
		'error.not_found': '페이지를 찾을 수 없습니다.',
		'notice.close': '닫기',
		'list.heading': '공연',
		'list.empty': '예정된 공연이 없습니다.',
		'list.price_range': '{min} ~ {max}',
		'list.availability': '잔여 {available} / {total}석',
		'list.sold_out': '매진',
		'list.book': '예매하기',
		'concert.back': '← 공연 목록',
		'concert.venue_map': '공연장 좌석 배치도',
		'concert.stage': 'STAGE',
		'concert.pick_section': '구역을 선택하세요',
		'concert.section_label': '{code}구역 · {tier} · {price} · 잔여 {available}석',
		'concert.cap': '1인당 최대 {max}매',
		'concert.cap_left': '추가로 {left}매까지 선택할 수 있습니다.',
		'concert.cap_reached': '이 공연의 1인당 예매 한도에 도달했습니다.',
		'concert.section_heading': '{code}구역',
		'concert.close_section': '배치도로 돌아가기',
		'concert.view_map': '좌석 배치',
		'concert.view_list': '좌석 목록',
		'concert.zoom_in': '좌석 크게 보기',
		'concert.zoom_out': '좌석 작게 보기',
		'concert.seat_map_label': '{code}구역 좌석 배치: {rows}열, 잔여 {available}석. 방향키로 이동하고 스페이스로 선택하세요.',
		'concert.row': '{row}열',
		'concert.seat': '{row}열 {number}번',
		'concert.seat_full': '{row}열 {number}번 · {price} · {status}',
		'concert.selected_count': '선택한 좌석 {count}매',
		'concert.total': '합계',
		'concert.clear': '선택 해제',
		'concert.hold': '좌석 선점하기',
		'concert.hold_login': '로그인하고 예매하기',
		'concert.best': '자동 배정',
		'concert.best_help': '같은 열의 붙어 있는 좌석을 우선 배정합니다.',
		'concert.best_section': '구역',
		'concert.best_quantity': '매수',
		'concert.best_submit': '최적 좌석 찾기',
		'concert.updated': '좌석 현황 {time} 갱신',
		'concert.too_many': '최대 {max}매까지 선택할 수 있습니다.',
		'concert.list_row': '{row}열 좌석',
		'tier.VIP': 'VIP',
		'tier.STANDARD': 'R석',
		'tier.ECONOMY': 'S석',
		'status.AVAILABLE': '예매 가능',
		'status.HELD': '선점됨',
		'status.SOLD': '판매 완료',
		'status.MINE': '내 좌석',
		'status.SELECTED': '선택함',
		'legend.available': '예매 가능',
		'legend.held': '선점됨',
		'legend.sold': '판매 완료',
		'legend.mine': '내 좌석',
		'hold.heading': '좌석을 선점했습니다',
		'hold.expires': '남은 시간',
		'hold.expired': '선점 시간이 만료되었습니다. 좌석을 다시 선택해 주세요.',
		'hold.pay': '{amount} 결제하기',
		'hold.cancel': '선점 취소',
		'hold.order': '주문 {order}',
		'hold.seats': '좌석',
		'rstatus.PENDING': '결제 대기',
		'rstatus.PAID': '결제 완료',
		'rstatus.EXPIRED': '만료',
		'rstatus.CANCELLED': '취소됨',
		'rstatus.REFUNDED': '환불됨',
		'res.heading': '내 예매',
		'res.empty': '예매 내역이 없습니다.',
		'res.cancel': '예매 취소',
		'res.refund': '환불 요청',
		'res.pay': '결제하기',
		'res.confirm_cancel': '이 예매를 취소할까요?',
		'res.confirm_refund': '결제를 취소하고 환불받을까요?',
		'res.cancelled': '예매를 취소했습니다.',
		'res.refunded': '환불했습니다.',
		'res.receipts': '영수증',
		'res.amount': '금액',
		'res.expires': '{time}까지 결제',
		'res.concert': '공연 #{id}',
		'login.heading': '로그인',
		'login.google': 'Google 계정으로 로그인',
		'login.dev': '개발용 로그인',
		'login.dev_help': '개발 환경에서만 보이는 로그인입니다. 이메일만 있으면 됩니다.',
		'login.email': '이메일',
		'login.name': '이름 (선택)',
		'login.submit': '로그인',
		'login.none': '사용할 수 있는 로그인 방법이 없습니다.',
		'login.welcome': '{name}님, 환영합니다.',
		'admin.heading': '공연 등록',
		'admin.forbidden': '관리자만 공연을 등록할 수 있습니다.',
		'admin.title': '공연명',
		'admin.venue': '공연장',
		'admin.starts_at': '공연 일시 (한국 시간)',
		'admin.base_price': '기본 가격 (원)',
		'admin.base_price_help': 'VIP는 3배, R석은 2배, S석은 기본 가격입니다.',
		'admin.max_tickets': '1인당 최대 매수',
		'admin.submit': '공연 등록',
		'admin.created': '"{title}" 공연을 등록했습니다.',
		'pay.heading': '결제 결과',
		'pay.confirming': '결제를 확인하는 중입니다…',
		'pay.paid': '결제가 완료되었습니다. 예매가 확정되었습니다.',
		'pay.refunded': '결제는 승인되었지만 선점 시간이 만료되었고 그 사이 좌석이 다른 분께 판매되어, 결제 금액 전액을 환불했습니다.',
		'pay.failed': '결제를 완료하지 못했습니다.',
		'pay.fail_heading': '결제가 취소되었거나 실패했습니다',
		'pay.fail_code': '오류 코드',
		'pay.missing': '결제 정보가 올바르지 않습니다.',
		'pay.to_reservations': '내 예매 보기',
		'pay.to_concerts': '공연 목록으로',
		'pay.method': '결제 수단',
		'pay.amount': '결제 금액',
		'pay.order': '주문 번호',
		'pay.redirecting': '결제 페이지로 이동합니다…'
	},
	en: {
		'app.title': 'encore tickets',
		'app.skip': 'Skip to content',
		'app.loading': 'Loading…',
		'app.footer': 'encore · concert tickets',
		'nav.concerts': 'Concerts',
		'nav.reservations': 'My reservations',
		'nav.admin': 'Admin',
		'nav.login': 'Log in',
		'nav.logout': 'Log out',
		'nav.lang': '한국어',
		'nav.lang.label': '한국어로 보기',
		'nav.main': 'Main menu',
		'error.generic': 'Something went wrong. Please try again shortly.',
		'error.network': 'Cannot reach the server.',
		'error.login_required': 'Please log in first.',
		'error.not_found': 'Page not found.',
		'notice.close': 'Close',
		'list.heading': 'Concerts',
		'list.empty': 'No concerts are scheduled.',
		'list.price_range': '{min} – {max}',
		'list.availability': '{available} of {total} seats left',
		'list.sold_out': 'Sold out',
		'list.book': 'Get tickets',
		'concert.back': '← All concerts',
		'concert.venue_map': 'Venue seating map',
		'concert.stage': 'STAGE',
		'concert.pick_section': 'Pick a section',
		'concert.section_label': 'Section {code} · {tier} · {price} · {available} left',
		'concert.cap': 'Up to {max} tickets per person',
		'concert.cap_left': 'You can pick {left} more.',
		'concert.cap_reached': 'You have reached the ticket limit for this concert.',
		'concert.section_heading': 'Section {code}',
		'concert.close_section': 'Back to the venue map',
		'concert.view_map': 'Seat map',
		'concert.view_list': 'Seat list',
		'concert.zoom_in': 'Zoom in',
		'concert.zoom_out': 'Zoom out',
		'concert.seat_map_label': 'Section {code} seat map: {rows} rows, {available} seats available. Use the arrow keys to move and Space to pick.',
		'concert.row': 'Row {row}',
		'concert.seat': 'Row {row}, seat {number}',
		'concert.seat_full': 'Row {row}, seat {number} · {price} · {status}',
		'concert.selected_count': '{count} seat(s) picked',
		'concert.total': 'Total',
		'concert.clear': 'Clear',
		'concert.hold': 'Hold these seats',
		'concert.hold_login': 'Log in to book',
		'concert.best': 'Best available',
		'concert.best_help': 'Adjacent seats in one row where possible.',
		'concert.best_section': 'Section',
		'concert.best_quantity': 'Tickets',
		'concert.best_submit': 'Find seats',
		'concert.updated': 'Seats updated {time}',
		'concert.too_many': 'You can pick at most {max}.',
		'concert.list_row': 'Row {row} seats',
		'tier.VIP': 'VIP',
		'tier.STANDARD': 'Standard',
		'tier.ECONOMY': 'Economy',
		'status.AVAILABLE': 'available',
		'status.HELD': 'held',
		'status.SOLD': 'sold',
		'status.MINE': 'yours',
		'status.SELECTED': 'picked',
		'legend.available': 'Available',
		'legend.held': 'Held',
		'legend.sold': 'Sold',
		'legend.mine': 'Yours',
		'hold.heading': 'Your seats are on hold',
		'hold.expires': 'Time left',
		'hold.expired': 'The hold has expired. Please pick your seats again.',
		'hold.pay': 'Pay {amount}',
		'hold.cancel': 'Release seats',
		'hold.order': 'Order {order}',
		'hold.seats': 'Seats',
		'rstatus.PENDING': 'Awaiting payment',
		'rstatus.PAID': 'Paid',
		'rstatus.EXPIRED': 'Expired',
		'rstatus.CANCELLED': 'Cancelled',
		'rstatus.REFUNDED': 'Refunded',
		'res.heading': 'My reservations',
		'res.empty': 'You have no reservations yet.',
		'res.cancel': 'Cancel',
		'res.refund': 'Refund',
		'res.pay': 'Pay',
		'res.confirm_cancel': 'Cancel this reservation?',
		'res.confirm_refund': 'Cancel the payment and get a refund?',
		'res.cancelled': 'Reservation cancelled.',
		'res.refunded': 'Refunded.',
		'res.receipts': 'Receipts',
		'res.amount': 'Amount',
		'res.expires': 'Pay by {time}',
		'res.concert': 'Concert #{id}',
		'login.heading': 'Log in',
		'login.google': 'Sign in with Google',
		'login.dev': 'Developer login',
		'login.dev_help': 'Only shown in development. An email is all it takes.',
		'login.email': 'Email',
		'login.name': 'Name (optional)',
		'login.submit': 'Log in',
		'login.none': 'No login method is available.',
		'login.welcome': 'Welcome, {name}.',
		'admin.heading': 'Create a concert',
		'admin.forbidden': 'Only administrators can create concerts.',
		'admin.title': 'Title',
		'admin.venue': 'Venue',
		'admin.starts_at': 'Starts at (Korea time)',
		'admin.base_price': 'Base price (KRW)',
		'admin.base_price_help': 'VIP is 3×, Standard 2×, Economy 1× the base price.',
		'admin.max_tickets': 'Tickets per person',
		'admin.submit': 'Create concert',
		'admin.created': 'Created "{title}".',
		'pay.heading': 'Payment result',
		'pay.confirming': 'Confirming your payment…',
		'pay.paid': 'Payment complete. Your tickets are confirmed.',
		'pay.refunded': 'Your payment went through, but your hold had expired and the seats were sold to someone else in the meantime, so the full amount has been refunded.',
		'pay.failed': 'The payment could not be completed.',
		'pay.fail_heading': 'The payment was cancelled or failed',
		'pay.fail_code': 'Error code',
		'pay.missing': 'The payment details are incomplete.',
		'pay.to_reservations': 'My reservations',
		'pay.to_concerts': 'All concerts',
		'pay.method': 'Method',
		'pay.amount': 'Amount',
		'pay.order': 'Order',
		'pay.redirecting': 'Taking you to the payment page…'
	}
};

const listeners = new Set();
let current = readStored();

function readStored() {
	try {
		const v = localStorage.getItem(STORAGE_KEY);
		return v === 'en' ? 'en' : 'ko';
	} catch {
		return 'ko';
	}
}

export function lang() {
	return current;
}

export function locale() {
	return current === 'ko' ? 'ko-KR' : 'en-US';
}

export function t(key, vars) {
	const table = messages[current];
	let text = key in table ? table[key] : (messages.ko[key] ?? key);
	if (vars) {
		text = text.replace(/\{(\w+)\}/g, (m, name) =>
		    name in vars ? String(vars[name]) : m);
	}
	return text;
}

/* Translate the static parts of a document (data-i18n attributes). */
export function applyStatic(root = document) {
	document.documentElement.lang = current;
	for (const el of root.querySelectorAll('[data-i18n]'))
		el.textContent = t(el.dataset.i18n);
	for (const el of root.querySelectorAll('[data-i18n-attr]')) {
		for (const pair of el.dataset.i18nAttr.split(';')) {
			const [attr, key] = pair.split(':');
			if (attr && key)
				el.setAttribute(attr.trim(), t(key.trim()));
		}
	}
}

export function setLang(next) {
	current = next === 'en' ? 'en' : 'ko';
	try {
		localStorage.setItem(STORAGE_KEY, current);
	} catch {
		/* private mode: the choice lasts for this page only */
	}
	applyStatic();
	for (const fn of listeners)
		fn(current);
}

export function onLangChange(fn) {
	listeners.add(fn);
	return () => listeners.delete(fn);
}
