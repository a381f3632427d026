/**
 * Lines: renders pre-laid-out lines (arrays of styled segments) as one Ink <Text> per line, never wrapped,
 * so what the layout functions computed for a width is exactly what the terminal shows. Each line's styles
 * become SGR escape codes in one string (one Ink node per line rather than one per segment: a frame costs a
 * third of the time); with NO_COLOR set (https://no-color.org) they are left out.
 */
import { Box, Text } from 'ink';
import type { Line, Segment } from './style.js';

const COLORS: Record<string, number> = { black: 30, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, white: 37, gray: 90, grey: 90 };

/** A segment with its style as SGR codes (reset after it). */
function sgr(s: Segment): string {
  const codes: number[] = [];
  if (s.bold) codes.push(1);
  if (s.dim) codes.push(2);
  if (s.inverse) codes.push(7);
  if (s.color && COLORS[s.color] !== undefined) codes.push(COLORS[s.color]);
  return codes.length ? `\x1b[${codes.join(';')}m${s.text}\x1b[0m` : s.text;
}

/** A line as one string, styled unless NO_COLOR is set. */
export function lineText(l: Line): string {
  if (l.length === 0) return ' ';
  const plain = !!process.env.NO_COLOR;
  return l.map((s) => (plain ? s.text : sgr(s))).join('');
}

export function Lines({ lines }: { lines: Line[] }) {
  return (
    <Box flexDirection="column">
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate-end">
          {lineText(l)}
        </Text>
      ))}
    </Box>
  );
}
