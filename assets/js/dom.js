/*
 * dom.js: the only way the UI builds markup.
 *
 * Every element is made with createElement and every piece of text goes in
 * through a text node, so nothing a server (or a user) sends can ever become
 * markup. The page's CSP forbids inline scripts and inline style attributes;
 * these helpers therefore never write a "style" attribute either (code that
 * needs a computed colour or size sets element.style directly).
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(el, children) {
	for (const child of children) {
		if (child === null || child === undefined || child === false)
			continue;
		if (Array.isArray(child))
			append(el, child);
		else if (child instanceof Node)
			el.appendChild(child);
		else
			el.appendChild(document.createTextNode(String(child)));
	}
}

function setAttrs(el, attrs) {
	for (const [key, value] of Object.entries(attrs || {})) {
		if (value === null || value === undefined || value === false)
			continue;
		if (key === 'style')
			throw new Error('dom: use element.style, not a style attribute');
		if (key.startsWith('on') && typeof value === 'function')
			el.addEventListener(key.slice(2), value);
		else if (key === 'dataset')
			Object.assign(el.dataset, value);
		else if (value === true)
			el.setAttribute(key, '');
		else
			el.setAttribute(key, String(value));
	}
}

/* h('button', {class: 'primary', onclick: fn}, 'Pay') */
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	setAttrs(el, attrs);
	append(el, children);
	return el;
}

export function svg(tag, attrs, ...children) {
	const el = document.createElementNS(SVG_NS, tag);
	setAttrs(el, attrs);
	append(el, children);
	return el;
}

export function clear(el) {
	while (el.firstChild)
		el.removeChild(el.firstChild);
	return el;
}

export function replace(el, ...children) {
	clear(el);
	append(el, children);
	return el;
}

export function $(selector, root = document) {
	return root.querySelector(selector);
}
