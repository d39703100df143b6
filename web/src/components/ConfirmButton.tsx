import { useState, type ReactNode } from 'react';

/**
 * A destructive action in two presses: the first asks, the second does it, Cancel backs out. A
 * stray click at 3 a.m. must not delete a camera, a rule or a key; a dialog for each would be slow
 * to use with the keyboard, so the confirmation appears in place and takes the focus.
 */
export function ConfirmButton({ children, label, onConfirm, disabled }: {
  /** the visible text ("Delete") */
  children: ReactNode;
  /** the accessible name, saying what is acted on ("Delete camera cam_001") */
  label: string;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) return <button type="button" className="btn btn-ghost" disabled={disabled} onClick={() => setAsking(true)} aria-label={label}>{children}</button>;
  return (
    <>
      <button type="button" className="btn btn-danger" autoFocus disabled={disabled} onClick={() => { setAsking(false); onConfirm(); }} aria-label={`Confirm: ${label}`}>Confirm</button>
      <button type="button" className="btn btn-ghost" onClick={() => setAsking(false)}>Cancel</button>
    </>
  );
}
