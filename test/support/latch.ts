// Holds an activity in flight for as long as a test wants: `hold` arms it, the worker's call of it waits
// (after `entered`) until `release`, then runs the real activity. Time-skipping does not move while the
// test waits on it: only env.sleep and a workflow's result unlock it.
import type { Activities } from '../../activities';

type Name = keyof Activities;

interface Hold {
  name: Name;
  matches: (input: unknown) => boolean;
  enter: () => void;
  released: Promise<void>;
}

export function activityLatch() {
  let armed: Hold | undefined;

  return {
    /**
     * Every call of `name` whose input `matches` from now on waits until `release` (the calls made at
     * once by one step — each invitation's email, say — all wait, so that none slips past).
     */
    hold(name: Name, matches: (input: unknown) => boolean = () => true) {
      let enter!: () => void;
      let release!: () => void;
      const entered = new Promise<void>((resolve) => (enter = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      armed = { name, matches, enter, released };
      return {
        entered,
        release: () => {
          armed = undefined;
          release();
        },
      };
    },

    wrap(real: Activities): Activities {
      const wrapped = Object.fromEntries(
        Object.entries(real).map(([name, fn]) => [
          name,
          async (...args: unknown[]) => {
            const hold = armed;
            if (hold && hold.name === name && hold.matches(args[0])) {
              hold.enter();
              await hold.released;
            }
            return (fn as (...a: unknown[]) => unknown)(...args);
          },
        ]),
      );
      return wrapped as Activities;
    },
  };
}

/** A notify activity's input: for matching on the purpose of the email it sends. */
export const purposeIs =
  (...purposes: string[]) =>
  (input: unknown): boolean =>
    purposes.includes((input as { notification: { purpose: string } }).notification.purpose);
