import Link from "next/link";

export default function NotFound() {
  return (
    <main className="grid min-h-screen place-items-center px-4">
      <div className="text-center">
        <h1 className="text-2xl font-bold">Page not found</h1>
        <Link href="/dashboard" className="mt-4 inline-block text-indigo-600 hover:underline">
          Go to the dashboard
        </Link>
      </div>
    </main>
  );
}
