// What the notifier keeps of where a delivery went (ADR 0029): enough for an operator to tell addresses
// apart in the delivery log, not enough to write to them. The clear address is read at send time only.

/** `ada.lovelace@example.com` → `a***@example.com`; `+4915123456789` → `+49***89`; the inbox stays `inbox`. */
export function maskRecipient(recipient: string): string {
  const at = recipient.lastIndexOf('@');
  if (at > 0) return `${recipient[0]}***${recipient.slice(at)}`;
  if (recipient.startsWith('+') && recipient.length > 6) return `${recipient.slice(0, 3)}***${recipient.slice(-2)}`;
  return recipient === 'inbox' ? recipient : '***';
}

/** Every e-mail address in a text (a server's reply quoting the recipient) replaced by `address`. */
export function maskAddresses(text: string): string {
  return text.replace(/[^\s<>"'@,;:]+@[^\s<>"'@,;:]+/g, 'address');
}
