import { Flags } from '@oclif/core';

/** The flags of every command that prints text for a person: colour and paging. */
export const terminalFlags = {
  color: Flags.string({
    description: 'Colour: auto (on a TTY, unless NO_COLOR; FORCE_COLOR forces it), always (e.g. into less -R) or never',
    options: ['auto', 'always', 'never'],
    default: 'auto',
    helpGroup: 'OUTPUT',
  }),
  'no-pager': Flags.boolean({ description: 'Do not page the output on a TTY ($TRACE_PAGER, else $PAGER, else less -FRX)', helpGroup: 'OUTPUT' }),
};

/** Commands that print one line per item (timelines, trees, run lists) fit each line to a TTY's width. */
export const listFlags = {
  ...terminalFlags,
  wide: Flags.boolean({ description: 'Print whole lines on a TTY instead of fitting them to its width', helpGroup: 'OUTPUT' }),
};

export interface TerminalFlagValues {
  color: string;
  /** Only on commands that fit their lines. */
  wide?: boolean;
  'no-pager': boolean;
}
