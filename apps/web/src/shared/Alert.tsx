/** An error to show the person, announced to screen readers; nothing when there is none. */
export function Alert({ error }: { error: string | null }) {
  if (error === null) return null;
  return (
    <p className="error" role="alert">
      {error}
    </p>
  );
}
