// While this page's data loads. (Each page has its own loading boundary, below the layouts that check
// access, so redirects and 403s are decided before the response starts streaming.)
import { PageSkeleton } from "@/components/ui/page-skeleton";

export default function Loading() {
  return <PageSkeleton />;
}
