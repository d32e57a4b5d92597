import { useLocation, useRoute } from 'preact-iso';
import { getLink } from '../api/links';
import { ErrorBox, Loading, useLoad } from '../ui';
import { LinkForm } from './link-form';
import { useDomains } from './links';

export function LinkEditPage() {
  const { params } = useRoute();
  const { route } = useLocation();
  const domains = useDomains();
  const link = useLoad(() => getLink(params.id!), [params.id]);
  if (link.error) return <ErrorBox error={link.error} />;
  if (!link.data) return <Loading />;
  return (
    <section>
      <p>
        <a href={`/links/${link.data.id}`}>← Back to the link</a>
      </p>
      <h1>Edit {link.data.short_url}</h1>
      <div class="card">
        <LinkForm link={link.data} domains={domains} onCancel={() => route(`/links/${link.data!.id}`)} onSaved={(l) => route(`/links/${l.id}`)} />
      </div>
    </section>
  );
}
