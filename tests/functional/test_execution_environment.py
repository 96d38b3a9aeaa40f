"""execution-environment.yml as AWX / Automation Platform users build it: `ansible-builder create`
writes the build context (no registry, no Galaxy) with the collection and everything it needs."""
import os
import shutil
import subprocess

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EE_FILE = os.path.join(REPO, 'execution-environment.yml')


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def pinned(requirements, name):
    """The version pinned with == for NAME in tests/requirements.txt."""
    with open(os.path.join(REPO, 'tests', requirements)) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line.split('==')[0].split('[')[0].strip().lower() == name:
                return line.split('==', 1)[1].strip()
    raise AssertionError('%s is not pinned in tests/%s' % (name, requirements))


@pytest.fixture(scope='module')
def context(tmp_path_factory):
    """The collection built as the EE file expects it beside itself, then `ansible-builder create`."""
    work = tmp_path_factory.mktemp('ee')
    shutil.copy(EE_FILE, work / 'execution-environment.yml')
    galaxy = load(os.path.join(REPO, 'galaxy.yml'))
    built = subprocess.run(['ansible-galaxy', 'collection', 'build', '--output-path', str(work), REPO],
                           capture_output=True, text=True, timeout=300, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    tarball = work / ('%s-%s-%s.tar.gz' % (galaxy['namespace'], galaxy['name'], galaxy['version']))
    assert tarball.is_file(), list(work.iterdir())
    out = subprocess.run(['ansible-builder', 'create', '-f', 'execution-environment.yml', '-c', 'context',
                          '--output-filename', 'Containerfile', '-v', '3'],
                         cwd=str(work), capture_output=True, text=True, timeout=300, check=False)
    return dict(work=work, out=out, tarball=tarball, galaxy=galaxy)


def test_ansible_builder_create_succeeds(context):
    out = context['out']
    assert out.returncode == 0, out.stdout + out.stderr
    assert (context['work'] / 'context' / 'Containerfile').is_file()


def test_context_holds_the_collection_and_its_requirements(context):
    build = context['work'] / 'context' / '_build'
    galaxy = context['galaxy']
    # The collection itself, byte for byte what ansible-galaxy built.
    copied = build / 'collections' / context['tarball'].name
    assert copied.read_bytes() == context['tarball'].read_bytes()
    requirements = load(str(build / 'requirements.yml'))
    names = [c['name'] for c in requirements['collections']]
    assert context['tarball'].name in names
    # Every collection galaxy.yml depends on is installed into the image.
    for dependency in galaxy.get('dependencies') or {}:
        assert dependency in names, (dependency, names)
    python = (build / 'requirements.txt').read_text().split()
    # community.docker's modules need requests and the docker SDK (this collection's: the standard library).
    assert any(p.startswith('requests') for p in python), python
    assert any(p.startswith('docker') for p in python), python
    containerfile = (context['work'] / 'context' / 'Containerfile').read_text()
    assert 'COPY _build/collections/%s' % context['tarball'].name in containerfile


def test_ee_runs_the_ansible_core_the_tests_run():
    ee = load(EE_FILE)
    assert ee['dependencies']['ansible_core']['package_pip'] == 'ansible-core==%s' % pinned(
        'requirements.txt', 'ansible-core')
