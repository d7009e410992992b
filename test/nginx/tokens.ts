// Reads an nginx config back into directives the way nginx's tokenizer does (quotes,
// `\"` `\\` escapes, `#` comments, `;` `{` `}`), so tests can check that a value written
// by the emitter comes back byte for byte as one token.
export interface Directive {
  readonly line: number;
  readonly words: readonly string[];
}

export function readDirectives(text: string): Directive[] {
  const directives: Directive[] = [];
  let words: string[] = [];
  let line = 1;
  let startLine = 1;
  let i = 0;
  const flush = () => { if (words.length > 0) directives.push({ line: startLine, words }); words = []; };
  while (i < text.length) {
    const c = text[i];
    if (c === "\n") { line++; i++; continue; }
    if (c === " " || c === "\t" || c === "\r") { i++; continue; }
    if (c === "#") { while (i < text.length && text[i] !== "\n") i++; continue; }
    if (c === ";" || c === "{" || c === "}") { flush(); i++; continue; }
    if (words.length === 0) startLine = line;
    if (c === '"' || c === "'") {
      let word = "";
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === "\\" && (text[i + 1] === c || text[i + 1] === "\\" || text[i + 1] === '"' || text[i + 1] === "'")) { word += text[i + 1]; i += 2; continue; }
        if (text[i] === "\n") line++;
        word += text[i++];
      }
      i++;
      words.push(word);
      continue;
    }
    let word = "";
    while (i < text.length && !/[\s;{}]/.test(text[i])) word += text[i++];
    words.push(word);
  }
  flush();
  return directives;
}
