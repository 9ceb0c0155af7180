import { Loading } from "@/components/states";

export default function AppLoading() {
  return <Loading />;
}
