// While the Audit list's data loads. (Each page has its own loading boundary, below the layouts that check
// access, so redirects and 403s are decided before the response starts streaming.) In the (list) group so
// that it does not wrap /audit/<id>, which renders before the response starts and so can answer 404.
import { PageSkeleton } from "@/components/ui/page-skeleton";

export default function Loading() {
  return <PageSkeleton />;
}
