// Message templates per channel and locale. Every message carries the product name, the units
// available (when known) and a link to the product.

export type NotificationKind = 'back-in-stock' | 'low-stock' | 'out-of-stock';
export type TemplateLocale = 'en' | 'de';
export const TEMPLATE_LOCALES: readonly TemplateLocale[] = ['en', 'de'];

export interface TemplateVars {
  readonly kind: NotificationKind;
  readonly productName: string;
  readonly sku: string;
  /** Units available when the transition happened (null when unknown). */
  readonly available: number | null;
  readonly link: string;
}

/** A contact confirmation (ADR 0028): the one-time code for the address or number, nothing else. */
export interface ConfirmationVars {
  readonly kind: 'contact-confirmation';
  readonly code: string;
}

/** What an email or SMS carries: a stock notification or a contact confirmation. */
export type MessageVars = TemplateVars | ConfirmationVars;

const CONFIRMATION: Record<TemplateLocale, { subject: string; text: (code: string) => string; ignore: string }> = {
  en: {
    subject: 'Your stockflow confirmation code',
    text: (code) => `Your stockflow confirmation code is ${code}. It is valid for 24 hours.`,
    ignore: 'If you did not ask for stock alerts, ignore this message: nothing will be sent to you.',
  },
  de: {
    subject: 'Ihr stockflow-Bestätigungscode',
    text: (code) => `Ihr stockflow-Bestätigungscode lautet ${code}. Er gilt 24 Stunden.`,
    ignore: 'Wenn Sie keine Lagerhinweise bestellt haben, ignorieren Sie diese Nachricht: Sie erhalten nichts.',
  },
};

export interface EmailMessage {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface WebMessage {
  readonly title: string;
  readonly body: string;
}

/** `de-AT` → `de`; anything without templates → `en`. */
export function templateLocale(locale: string | null | undefined): TemplateLocale {
  const language = (locale ?? 'en').toLowerCase().split('-')[0];
  return (TEMPLATE_LOCALES as readonly string[]).includes(language ?? '') ? (language as TemplateLocale) : 'en';
}

interface Phrases {
  headline(v: TemplateVars): string;
  detail(v: TemplateVars): string;
  cta: string;
  unsubscribe: string;
}

const units = (n: number | null, one: string, many: string, unknown: string): string => (n === null ? unknown : `${n} ${n === 1 ? one : many}`);

const PHRASES: Record<TemplateLocale, Phrases> = {
  en: {
    headline: (v) =>
      v.kind === 'back-in-stock' ? `${v.productName} is back in stock` : v.kind === 'low-stock' ? `${v.productName} is running low` : `${v.productName} is sold out`,
    detail: (v) =>
      v.kind === 'out-of-stock'
        ? 'We will tell you when it is back.'
        : `${units(v.available, 'unit', 'units', 'Some units')} available${v.kind === 'back-in-stock' ? ' — first come, first served.' : '.'}`,
    cta: 'See it here',
    unsubscribe: 'No more stock alerts by email',
  },
  de: {
    headline: (v) =>
      v.kind === 'back-in-stock' ? `${v.productName} ist wieder da` : v.kind === 'low-stock' ? `${v.productName} wird knapp` : `${v.productName} ist ausverkauft`,
    detail: (v) =>
      v.kind === 'out-of-stock'
        ? 'Wir sagen Ihnen Bescheid, sobald es wieder da ist.'
        : `${units(v.available, 'Stück', 'Stück', 'Einige Stück')} verfügbar${v.kind === 'back-in-stock' ? ' – wer zuerst kommt, mahlt zuerst.' : '.'}`,
    cta: 'Hier ansehen',
    unsubscribe: 'Keine Lagerhinweise mehr per E-Mail',
  },
};

export function renderEmail(locale: string | null, v: MessageVars, unsubscribeUrl: string): EmailMessage {
  if (v.kind === 'contact-confirmation') {
    const c = CONFIRMATION[templateLocale(locale)];
    return {
      subject: c.subject,
      text: `${c.text(v.code)}\n\n${c.ignore}\n`,
      html: `<!doctype html><html lang="${templateLocale(locale)}"><body><p>${escapeHtml(c.text(v.code))}</p><p>${escapeHtml(c.ignore)}</p></body></html>`,
    };
  }
  const p = PHRASES[templateLocale(locale)];
  const headline = p.headline(v);
  const detail = p.detail(v);
  return {
    subject: headline,
    text: `${headline}\n\n${detail}\n\n${p.cta}: ${v.link}\n\n--\n${p.unsubscribe}: ${unsubscribeUrl}\n`,
    html:
      `<!doctype html><html lang="${templateLocale(locale)}"><body>` +
      `<h1>${escapeHtml(headline)}</h1><p>${escapeHtml(detail)}</p>` +
      `<p><a href="${escapeHtml(v.link)}">${escapeHtml(p.cta)}</a></p>` +
      `<hr><p style="font-size:small"><a href="${escapeHtml(unsubscribeUrl)}">${escapeHtml(p.unsubscribe)}</a></p>` +
      `</body></html>`,
  };
}

/** One SMS: short (a single GSM segment when the name allows), with the link; "STOP" opts out. */
export function renderSms(locale: string | null, v: MessageVars): string {
  const lang = templateLocale(locale);
  if (v.kind === 'contact-confirmation') return CONFIRMATION[lang].text(v.code);
  const p = PHRASES[lang];
  const stop = lang === 'de' ? 'STOP = Abmelden' : 'Reply STOP to opt out';
  return `${p.headline(v)}. ${p.detail(v)} ${v.link} ${stop}`;
}

export function renderWeb(locale: string | null, v: TemplateVars): WebMessage {
  const p = PHRASES[templateLocale(locale)];
  return { title: p.headline(v), body: p.detail(v) };
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
