// @ts-check
// Where a JSON text stops being JSON (RFC 8259), found by scanning it again: the position the
// editor marks does not depend on how a browser words JSON.parse's error.

/** @typedef {{offset: number, detail: string}} SyntaxProblem  offset: in UTF-16 code units, as the editor counts */

const WHITESPACE = " \t\n\r";
const ESCAPES = '"\\/bfnrtu';
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;

/**
 * The first syntax error of ``text``, or null when it is JSON.
 * @param {string} text
 * @returns {SyntaxProblem | null}
 */
export function syntaxError(text) {
  const n = text.length;
  let i = 0;
  /** @type {string[]} */
  const open = []; // the closing brackets of the objects and lists the scan is inside
  /** @param {string} detail */
  const fail = (detail) => ({ offset: Math.min(i, n), detail });
  const found = () => (i >= n ? "the end of the text" : `“${text[i]}”`);
  const skip = () => { while (i < n && WHITESPACE.includes(text[i])) i++; };

  /** @returns {SyntaxProblem | null} */
  function string() { // at a '"'
    i++;
    while (i < n) {
      const c = text[i];
      if (c === '"') { i++; return null; }
      if (c < " ") return fail("a control character in a string: write it as an escape (\\n, \\t, \\u0000)");
      if (c === "\\") {
        i++;
        if (i >= n || !ESCAPES.includes(text[i])) return fail(`an unknown escape \\${i < n ? text[i] : ""} in a string`);
        if (text[i] === "u") {
          HEX4.lastIndex = i + 1;
          if (!HEX4.test(text)) return fail("\\u takes four hexadecimal digits");
          i += 4;
        }
      }
      i++;
    }
    return fail("the string is not closed (a \" is missing)");
  }

  /** @returns {SyntaxProblem | null} */
  function member() { // a member's name and its colon
    skip();
    if (text[i] !== '"') return fail(`expected a member name in double quotes, found ${found()}`);
    const problem = string();
    if (problem) return problem;
    skip();
    if (text[i] !== ":") return fail(`expected “:” after the member name, found ${found()}`);
    i++;
    return null;
  }

  /** @returns {SyntaxProblem | null} */
  function scalar() {
    const c = text[i];
    if (c === '"') return string();
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) { i += word.length; return null; }
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(text);
    if (number) {
      i += number[0].length;
      if (number[0].replace("-", "") === "0" && i < n && text[i] >= "0" && text[i] <= "9") {
        return fail("a number does not start with 0");
      }
      return null;
    }
    if (c === "-" || (c >= "0" && c <= "9") || c === ".") return fail("a malformed number");
    return fail(`expected a value, found ${found()}`);
  }

  for (;;) {
    skip(); // a value starts here
    const c = text[i];
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      i++;
      skip();
      if (text[i] === close) i++;
      else {
        open.push(close);
        const problem = c === "{" ? member() : null;
        if (problem) return problem;
        continue;
      }
    } else {
      const problem = scalar();
      if (problem) return problem;
    }
    for (;;) { // a value ended: what may follow it
      skip();
      if (!open.length) return i < n ? fail(`expected the end of the text, found ${found()}`) : null;
      const close = open[open.length - 1];
      if (text[i] === close) { i++; open.pop(); continue; }
      if (text[i] !== ",") return fail(`expected “,” or “${close}”, found ${found()}`);
      i++;
      const problem = close === "}" ? member() : null;
      if (problem) return problem;
      break;
    }
  }
}
