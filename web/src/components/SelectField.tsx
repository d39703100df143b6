import { useId, type ReactNode } from 'react';

/**
 * A labelled native <select>: keyboard operable and read by screen readers everywhere. The label
 * names the control by id (not by wrapping it), so the control's name is the label alone, not the
 * label followed by every option.
 */
export function SelectField<V extends string>({ label, value, onChange, children, disabled, className }: {
  label: ReactNode;
  value: V;
  onChange: (v: V) => void;
  children: ReactNode;
  disabled?: boolean;
  className?: string;
}) {
  const id = useId();
  return (
    <div className={className ?? 'field'}>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as V)}>{children}</select>
    </div>
  );
}
