import { distance } from 'fastest-levenshtein';

/**
 * The candidate a typo most likely meant, as git's "did you mean": the closest within two edits
 * (one for very short words), or one the word starts; undefined when nothing is that close.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const limit = lower.length <= 3 ? 1 : 2;
  let best: { candidate: string; edits: number } | undefined;
  for (const candidate of candidates) {
    const edits = candidate.startsWith(lower) && lower.length >= 3 ? 1 : distance(lower, candidate);
    if (edits <= limit && (best === undefined || edits < best.edits)) best = { candidate, edits };
  }
  return best?.candidate;
}

/** Words that people type for a flag of the root: `trace version` means `trace --version`. */
const ROOT_FLAG_WORDS: Record<string, string> = { version: '--version', help: '--help' };

/** `trace stat` → `trace stats`; `trace version` → `trace --version`; undefined when no command is close. */
export function suggestCommand(word: string, commandIds: readonly string[]): string | undefined {
  const flag = ROOT_FLAG_WORDS[word.toLowerCase()];
  if (flag !== undefined) return `trace ${flag}`;
  const topics = [...new Set(commandIds.map((id) => id.split(':')[0]!))];
  const command = closest(word, topics);
  return command === undefined ? undefined : `trace ${command}`;
}
