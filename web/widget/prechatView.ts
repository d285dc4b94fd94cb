import { el, setAttr, setText } from '../common/dom.js';
import type { UiText } from './i18n.js';
import { FIELDS, type Field, type WidgetState } from './state.js';
import type { ViewHandlers } from './view.js';

const INPUT_TYPES: Record<Field, { type: string; autocomplete: string }> = {
  name: { type: 'text', autocomplete: 'name' },
  email: { type: 'email', autocomplete: 'email' },
  phone: { type: 'tel', autocomplete: 'tel' },
};

/**
 * The contact fields (name, e-mail, phone) appended to `form`, labelled, with their errors as
 * one types: the pre-chat form's, and the offline form's (lazy/offline.ts) under another `idPrefix`.
 */
export function createContactFields(form: HTMLFormElement, t: UiText, on: Pick<ViewHandlers, 'fieldChanged' | 'fieldBlurred'>, idPrefix: string) {
  const inputs = {} as Record<Field, HTMLInputElement>;
  const errors = {} as Record<Field, HTMLParagraphElement>;
  for (const field of FIELDS) {
    const id = idPrefix + field;
    inputs[field] = el('input', {
      id,
      name: field,
      ...INPUT_TYPES[field],
      required: true,
      'aria-required': 'true',
      'aria-describedby': `${id}-error`,
    });
    errors[field] = el('p', { id: `${id}-error`, class: 'error', 'aria-live': 'polite' });
    form.append(el('label', { for: id }, t[field]), inputs[field], errors[field]);
    inputs[field].addEventListener('input', () => on.fieldChanged(field, inputs[field].value));
    inputs[field].addEventListener('blur', () => on.fieldBlurred(field));
  }
  return {
    render(state: WidgetState) {
      for (const field of FIELDS) {
        if (inputs[field].value !== state.form.values[field]) inputs[field].value = state.form.values[field];
        const message = state.form.touched[field] ? (state.form.errors[field] ?? '') : '';
        setText(errors[field], message);
        setAttr(inputs[field], 'aria-invalid', message ? 'true' : 'false');
      }
    },
    /** The first field still to fill or fix (the first invalid one with `invalidOnly`). */
    focus(state: WidgetState, invalidOnly = false) {
      const field = invalidOnly
        ? FIELDS.find((f) => state.form.errors[f])
        : (FIELDS.find((f) => !state.form.values[f] || state.form.errors[f]) ?? 'name');
      if (field) inputs[field].focus();
    },
    first: inputs.name,
  };
}

/** The pre-chat form: the contact fields, start, and "Não sou eu". */
export function createPrechatView(t: UiText, on: ViewHandlers) {
  const formError = el('p', { class: 'error', role: 'alert' });
  const submit = el('button', { type: 'submit', class: 'submit' }, t.start);
  const element = el('form', { class: 'prechat', novalidate: true }, el('p', {}, t.intro));
  const fields = createContactFields(element, t, on, 'atende-');
  const notMe = el('button', { type: 'button', class: 'secondary' }, t.notMe);
  notMe.addEventListener('click', () => {
    on.forget();
    fields.first.focus(); // the button may hide itself: the focus stays in the form
  });
  element.append(formError, submit, notMe);
  element.addEventListener('submit', (event) => {
    event.preventDefault();
    on.submit();
  });

  return {
    element,
    render(state: WidgetState) {
      fields.render(state);
      setText(formError, state.form.submitError ?? '');
      notMe.hidden = !state.identity && !FIELDS.some((f) => state.form.values[f]);
      submit.disabled = state.phase === 'starting';
      setText(submit, state.phase === 'starting' ? t.starting : t.start);
    },
    focus: fields.focus,
  };
}
