/*
 * pay-common.js: what both payment return pages share — the language
 * toggle and a render-again hook for when the language changes.
 */

import { applyStatic, lang, onLangChange, setLang } from './i18n.js';

export function payPage(render) {
	applyStatic();
	const toggle = document.getElementById('lang-toggle');
	const sync = () => { toggle.lang = lang() === 'ko' ? 'en' : 'ko'; };
	sync();
	toggle.addEventListener('click', () => setLang(lang() === 'ko' ? 'en' : 'ko'));
	onLangChange(() => { sync(); render(); });
	render();
}

export function params() {
	return new URLSearchParams(location.search);
}
