// A user's picture (their GitHub avatar) or, without one, their initial.

export function Avatar({ login, image, size = "md" }: { login: string; image: string | null; size?: "sm" | "md" }) {
  const box = size === "sm" ? "size-6 text-[0.6875rem]" : "size-8 text-sm";
  if (image) {
    return (
      // eslint-disable-next-line @next/next/no-img-element -- small external avatar; next/image would need a remote-image allowlist
      <img src={image} alt="" width={size === "sm" ? 24 : 32} height={size === "sm" ? 24 : 32} className={`${box} shrink-0 rounded-full bg-zinc-200 object-cover dark:bg-zinc-700`} />
    );
  }
  return (
    <span aria-hidden="true" className={`${box} flex shrink-0 items-center justify-center rounded-full bg-sky-100 font-semibold uppercase text-sky-800 dark:bg-sky-900 dark:text-sky-200`}>
      {login.slice(0, 1)}
    </span>
  );
}
