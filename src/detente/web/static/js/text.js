// Shortening text for a narrow place without cutting a word in two.

/** ``text`` if it has at most ``max`` characters, else its words that fit, and "…". A single word
 * longer than ``max`` is kept whole: a cut word is misread, a long line only wraps. */
export function truncateWords(text, max) {
  const value = String(text ?? "").trim();
  if (value.length <= max) return value;
  const cut = value.slice(0, max + 1);
  const end = cut.search(/\s+\S*$/);
  if (end <= 0) {
    const word = value.match(/^\S+/)[0];
    return word.length < value.length ? `${word}…` : word;
  }
  return `${cut.slice(0, end).replace(/[\s,;:.·–—-]+$/u, "")}…`;
}
