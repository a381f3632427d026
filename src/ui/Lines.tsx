/**
 * Lines: renders pre-laid-out lines (arrays of styled segments), one Ink <Text> per line, never wrapped, so
 * what the layout functions computed for a width is exactly what the terminal shows.
 */
import { Box, Text } from 'ink';
import type { Line } from './style.js';

export function Lines({ lines }: { lines: Line[] }) {
  return (
    <Box flexDirection="column">
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate-end">
          {l.length === 0
            ? ' '
            : l.map((s, j) => (
                <Text key={j} color={s.color} bold={s.bold} dimColor={s.dim} inverse={s.inverse}>
                  {s.text}
                </Text>
              ))}
        </Text>
      ))}
    </Box>
  );
}
