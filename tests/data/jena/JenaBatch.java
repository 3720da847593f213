// Run many SPARQL queries on one dataset in ONE JVM with Apache Jena ARQ (the differential tests' oracle).
// Usage: java -cp JENA_CLASSPATH JenaBatch.java DATA.nq Q1.rq Q2.rq ...  (JDK 11+ single-file launch)
// Each Qn.rq (SELECT or ASK) gets Qn.rq.json (SPARQL 1.1 Query Results JSON) or Qn.rq.err (the error).
// The dataset: the N-Quads file's named graphs as they are, and as default graph Jena's union graph of the
// named graphs, which is a SET (a triple in two named graphs is there once), as SPARQL requires of an RDF
// merge. A query's FROM / FROM NAMED replace that dataset (ARQ's dynamic datasets pick graphs by name).
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.apache.jena.query.Dataset;
import org.apache.jena.query.DatasetFactory;
import org.apache.jena.query.Query;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.QueryExecutionFactory;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.ResultSetFormatter;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.sparql.core.DatasetGraph;
import org.apache.jena.sparql.core.DatasetGraphFactory;

public class JenaBatch {
    public static void main(String[] args) throws Exception {
        DatasetGraph src = DatasetGraphFactory.createTxnMem();
        RDFDataMgr.read(src, args[0]);
        DatasetGraph dsg = DatasetGraphFactory.createGeneral();
        dsg.setDefaultGraph(src.getUnionGraph());
        src.listGraphNodes().forEachRemaining(n -> dsg.addGraph(n, src.getGraph(n)));
        Dataset ds = DatasetFactory.wrap(dsg);
        for (int i = 1; i < args.length; i++) {
            String text = new String(Files.readAllBytes(Paths.get(args[i])), StandardCharsets.UTF_8);
            try (OutputStream out = new FileOutputStream(args[i] + ".json")) {
                Query q = QueryFactory.create(text);
                try (QueryExecution qe = QueryExecutionFactory.create(q, ds)) {
                    if (q.isSelectType()) {
                        ResultSetFormatter.outputAsJSON(out, qe.execSelect());
                    } else if (q.isAskType()) {
                        ResultSetFormatter.outputAsJSON(out, qe.execAsk());
                    } else {
                        throw new IllegalArgumentException("only SELECT and ASK are compared");
                    }
                }
            } catch (Exception e) {
                Files.write(Paths.get(args[i] + ".err"), String.valueOf(e).getBytes(StandardCharsets.UTF_8));
            }
        }
    }
}
