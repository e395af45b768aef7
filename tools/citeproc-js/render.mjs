// APA 7 as citeproc-js (Zotero's CSL processor) prints it, through Citation.js: the
// reference the site's own APA (citeproc-py) is compared with in tests and `make bench`.
//
//   node render.mjs < items.json     (a CSL-JSON array)
//
// Prints one JSON object: {"bibliography": {id: html}, "citations": {id: text}}. The whole
// list is registered at once, so year suffixes (2019a, n.d.-a) are assigned as in a real
// document; each citation is the parenthetical one of that item alone.
import { plugins } from '@citation-js/core'
import '@citation-js/plugin-csl'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const items = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const ids = items.map((item) => String(item.id))

const { engine: prepareEngine } = plugins.config.get('@csl')
const engine = prepareEngine(items, 'apa', 'en-US', 'html')
engine.updateItems(ids)
const [meta, entries] = engine.makeBibliography()
const bibliography = {}
meta.entry_ids.forEach(([id], n) => {
  bibliography[id] = entries[n].trim()
})
// Every item cited once, in one document: citeproc-js disambiguates the citations
// against each other (year suffixes, and initials for different authors of one name).
const cited = ids.map((id, n) => ({
  citationID: `c${n}`,
  citationItems: [{ id }],
  properties: { noteIndex: 0 },
}))
const citations = {}
for (const [citationID, , text] of engine.rebuildProcessorState(cited, 'text')) {
  citations[ids[Number(citationID.slice(1))]] = text
}
process.stdout.write(JSON.stringify({ bibliography, citations }))
