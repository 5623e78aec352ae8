// @ts-check
// The preview studio: edit a layout's request, see the render at once, measure it.
// Native ES modules, no build step (studio.js is the entry). Everything it shows comes from
// /v1/studio/… (the API's own validation and renderer; geometry measured from the rendered PDF).
// This module holds the constants, the answers' shapes and the one state every module shares.

export const PX_PER_MM = 96 / 25.4; // CSS pixels per mm at 100 %
export const DEBOUNCE_MS = 40;
export const DIFF_THRESHOLD = 24; // per channel, out of 255
export const RULER_LABEL_BAND = 10; // px of a ruler's 22 that hold its numbers
export const RULER_TICK_MAX = 9; // px: the longest tick stays out of the numbers' band (22 - 9 > 10)
export const DEV_POLL_MS = 150; // --dev: how often the layout's files are asked about

export const layoutId = decodeURIComponent(location.pathname.split("/").pop() || "");
export const params = new URLSearchParams(location.search);
export const DRAFT_KEY = `obrazci.studio.v1.${layoutId}`; // the designer's work on this layout (local storage)
export const CACHED_PREVIEWS = 24; // answers kept in the page: switching back shows them at once
export const PREFETCH_IDLE_MS = 500; // after this long without an edit, the other language sets are rendered

/** @typedef {{x: number, y: number, width: number, height: number}} Box  mm from the trim box's top left */
/** @typedef {{font: string, size_pt: number, weight: number | null, colour: string, spot?: string}} Style */
/**
 * @typedef {Box & {kind: string, text?: string, depth?: number, style?: Style,
 *   runs?: (Style & {text: string})[]}} Element  what the inspector shows (a checked box's measure: kind "measured")
 */
/** @typedef {{number: number, media: Box, trim: Box, bleed: Box, elements: Element[]}} Geometry */
/** @typedef {{member: string, prescribed: number, measured: number | null, pass: boolean}} CheckMember */
/**
 * @typedef {{name: string, page: number | null, kind: string, box: Box, checks: string[],
 *   measured: Box | null, pass: boolean, members: CheckMember[]}} Check  a prescribed size as measured
 */
/**
 * @typedef {{pointer: string | null, text: string, page: number, box: Box, ink: Box,
 *   excess_mm: Record<string, number>, lines_over: number, detail: string}} Overflow
 */
/**
 * @typedef {{pointer?: string, parameter?: string, file?: string, line?: number | null,
 *   offset?: number, detail: string}} Problem  one entry of a problem's errors[] (offset: into the editor's text)
 */
/**
 * @typedef {{pages: number, page: number, dpi: number, png: string, geometry: Geometry,
 *   checks: Check[], untranslated: number[], errors: Problem[], overflows: Overflow[],
 *   separations: string[], findings: {pointer: string, detail: string}[],
 *   timing_ms: {render: number, total: number}}} Preview  POST /v1/studio/{id}/preview
 */
/** @typedef {{status: number, title: string, detail?: string, errors?: Problem[]}} ProblemAnswer */
/** @typedef {{languages: string[], label: string, names: string[]}} LanguageSet */
/** @typedef {{width_mm: number, height_mm: number | "auto", max_height_mm?: number}} PageSize */
/**
 * @typedef {{id: string, title: Record<string, string>, page: PageSize, pages: number,
 *   variants: string[], request_schema: any, language_sets: LanguageSet[],
 *   sample_sets: Record<string, Record<string, any>>, missing_translations: Record<string, string[]>,
 *   prescribed: object[], safe_mm: number, spot_variants: string[], upload: string | null,
 *   attachment: string | null, dev: {version: string} | null}} Meta  GET /v1/studio/{id}
 */
/** @typedef {{png: string, pages: number, page: number, width_mm: number, height_mm: number}} Overlay */
/** @typedef {{ok: boolean, json: any, cached?: boolean}} Answer  a preview answer: Preview if ok, else ProblemAnswer */

/**
 * @typedef {object} State
 * @property {Meta} meta  the layout (set once at start, again after a --dev change)
 * @property {string} languages  the language set shown, "sl" or "sl,it"
 * @property {string} set  the sample set chosen
 * @property {boolean} edited  the editor holds the designer's data, not a sample set
 * @property {Record<string, Record<string, string>>} memory  pointer → {lang: text}: wording in languages not shown now
 * @property {string} variant
 * @property {number} page
 * @property {string} zoom  "fit" or a factor
 * @property {string} separation  "" for all inks
 * @property {Preview | null} preview  the last good preview
 * @property {Element | null} hovered
 * @property {Element | null} pinned
 * @property {Overlay | null} overlay  the reference laid over the render
 * @property {File | null} upload  the designer's own file for a layout that takes one, else the bundled one
 * @property {string} diff  what the page is compared with: "", "lang:sl,it" or "set:longest"
 * @property {Overflow[]} overflows  of the preview shown: their excess goes beside the 422's reasons
 * @property {number} renderSeq  the latest render asked for
 * @property {number} shownSeq  the render on screen
 * @property {AbortController | null} controller  of the render under way
 * @property {boolean} inFlight  a render's request is on its way (an edit cancels it)
 * @property {number | undefined} timer  the debounced render
 * @property {number | undefined} prefetchTimer  the background renders after a pause
 * @property {number | null} startedAt  when the change being rendered was made (an edit, a click, Ctrl+Enter)
 * @property {string} what  what that change was, for the status line
 * @property {Map<string, Preview>} cache  request key → preview answer
 * @property {Map<string, Promise<Answer>>} pending  request key → the answer on its way
 * @property {string | null} version  --dev: the layout's files as last seen
 */

/** @type {State} */
export const state = {
  meta: /** @type {Meta} */ (/** @type {unknown} */ (null)), // fetched before anything reads it
  languages: params.get("lang") || "sl",
  set: params.get("set") || "sample",
  edited: false,
  memory: {},
  variant: params.get("variant") || "",
  page: Math.max(1, parseInt(params.get("page") || "1", 10) || 1),
  zoom: params.get("zoom") || "fit",
  separation: params.get("sep") || "",
  preview: null,
  hovered: null,
  pinned: null,
  overlay: null,
  upload: null,
  diff: "",
  overflows: [],
  renderSeq: 0,
  shownSeq: 0,
  controller: null,
  inFlight: false,
  timer: undefined,
  prefetchTimer: undefined,
  startedAt: null,
  what: "edit",
  cache: new Map(),
  pending: new Map(),
  version: null,
};

/**
 * @typedef {object} Hook  what tests and benchmarks read: what was shown, and how long edit → preview took
 * @property {State} state
 * @property {number[]} timings
 * @property {number} renders
 * @property {number} errors
 * @property {number} cancelled
 * @property {number} prefetched
 * @property {number} reloads
 * @property {boolean} prefetch  background renders on (a benchmark turns them off)
 * @property {{what: string, ms: number, cached: boolean}} [last]
 * @property {{differ: number, total: number, ms: number}} [diff]
 */

/** @type {Hook} */
export const hook = { state, timings: [], renders: 0, errors: 0, cancelled: 0, prefetched: 0, reloads: 0, prefetch: true };
/** @type {any} */ (window).studio = hook;
